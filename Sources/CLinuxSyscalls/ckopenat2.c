#define _GNU_SOURCE
#include "ckopenat2.h"

#include <errno.h>
#include <stdint.h>
#include <sys/syscall.h>
#include <unistd.h>

#ifndef SYS_openat2
#define SYS_openat2 437 /* the same number on every architecture (added after the syscall table unification) */
#endif

/// The layout of `struct open_how` in <linux/openat2.h>.
struct ck_open_how {
    uint64_t flags;
    uint64_t mode;
    uint64_t resolve;
};

int ck_openat2(int dirfd, const char *path, unsigned long long flags, unsigned long long mode,
               unsigned long long resolve) {
    struct ck_open_how how = { .flags = flags, .mode = mode, .resolve = resolve };
    long rc = syscall(SYS_openat2, dirfd, path, &how, sizeof how);
    return rc >= 0 ? (int)rc : -errno;
}
