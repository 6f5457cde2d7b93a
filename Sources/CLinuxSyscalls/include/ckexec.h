#ifndef CKEXEC_H
#define CKEXEC_H

#include <stddef.h>

/// Flags for kexec_file_load(2), as in <linux/kexec.h>.
#define CK_KEXEC_FILE_UNLOAD       0x00000001UL
#define CK_KEXEC_FILE_ON_CRASH     0x00000002UL
#define CK_KEXEC_FILE_NO_INITRAMFS 0x00000004UL

/// kexec_file_load(2). Returns 0, or -errno on failure.
int ck_kexec_file_load(int kernel_fd, int initrd_fd, unsigned long cmdline_len,
                       const char *cmdline, unsigned long flags);

/// reboot(LINUX_REBOOT_CMD_KEXEC): boots the loaded kernel. Returns only on failure, with -errno.
int ck_reboot_kexec(void);

/// Whether this process can call kexec at all (the syscall number exists on this architecture).
int ck_kexec_file_load_available(void);

/// memfd_create(name, MFD_CLOEXEC): an anonymous file in memory, for concatenating initrds.
/// Returns the file descriptor, or -errno on failure.
int ck_memfd_create(const char *name);

#endif
