#define _GNU_SOURCE
#include "ckcrash.h"

#include <errno.h>
#include <signal.h>
#include <string.h>
#include <unistd.h>

static char ck_alt_stack[64 * 1024];
/* The actions installed before ours (the Swift runtime's backtracer, or the default), restored on a crash. */
static struct sigaction ck_previous[65];

static void ck_crash_handler(int sig) {
    /* Only async-signal-safe calls here: write(2), sigaction(2), raise(3). */
    char message[64] = "kreboot: internal error (signal ";
    size_t len = strlen(message);
    char digits[12];
    int n = 0;
    int value = sig;
    do { digits[n++] = (char)('0' + value % 10); value /= 10; } while (value > 0 && n < 11);
    while (n > 0) message[len++] = digits[--n];
    message[len++] = ')';
    message[len++] = '\n';
    ssize_t ignored = write(STDERR_FILENO, message, len);
    (void)ignored;
    if (sig > 0 && sig < 65) sigaction(sig, &ck_previous[sig], NULL); else signal(sig, SIG_DFL);
    raise(sig);
}

int ck_install_crash_handler(void) {
    stack_t stack;
    memset(&stack, 0, sizeof stack);
    stack.ss_sp = ck_alt_stack;
    stack.ss_size = sizeof ck_alt_stack;
    if (sigaltstack(&stack, NULL) != 0) return -errno;

    struct sigaction action;
    memset(&action, 0, sizeof action);
    action.sa_handler = ck_crash_handler;
    action.sa_flags = SA_ONSTACK | SA_RESETHAND | SA_NODEFER;
    sigemptyset(&action.sa_mask);
    const int signals[] = { SIGILL, SIGTRAP, SIGSEGV, SIGBUS, SIGFPE };
    for (size_t i = 0; i < sizeof signals / sizeof signals[0]; i++) {
        if (sigaction(signals[i], &action, &ck_previous[signals[i]]) != 0) return -errno;
    }
    return 0;
}
