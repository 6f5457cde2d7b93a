#ifndef CKOPENAT2_H
#define CKOPENAT2_H

/// RESOLVE_* flags of openat2(2), as in <linux/openat2.h>.
#define CK_RESOLVE_NO_XDEV       0x01ULL
#define CK_RESOLVE_NO_MAGICLINKS 0x02ULL
#define CK_RESOLVE_NO_SYMLINKS   0x04ULL
#define CK_RESOLVE_BENEATH       0x08ULL
#define CK_RESOLVE_IN_ROOT       0x10ULL

/// O_PATH (an fd that only names a file), which glibc shows only with _GNU_SOURCE. The same value on x86 and arm64.
#define CK_O_PATH 0x200000

/// AT_EMPTY_PATH (act on the descriptor itself), also shown only with _GNU_SOURCE. The same on every architecture.
#define CK_AT_EMPTY_PATH 0x1000

/// openat2(2) with `struct open_how { flags, mode, resolve }`.
/// Returns the new file descriptor, or -errno on failure (-ENOSYS where the kernel or libc lacks it).
int ck_openat2(int dirfd, const char *path, unsigned long long flags, unsigned long long mode,
               unsigned long long resolve);

#endif
