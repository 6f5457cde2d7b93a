#ifndef CKCRASH_H
#define CKCRASH_H

/// Installs handlers for SIGILL, SIGTRAP, SIGSEGV, SIGBUS and SIGFPE (on an alternate stack, so a stack
/// overflow is reported too) that write "kreboot: internal error (signal N)" to stderr with write(2) and
/// re-raise the signal with the action installed before (the Swift runtime's backtracer, or the default): a crash is never silent, and its exit status stays a signal's.
/// Returns 0, or -errno when a handler could not be installed.
int ck_install_crash_handler(void);

#endif
