#define _GNU_SOURCE
#include "ckexec.h"

#include <errno.h>
#include <linux/reboot.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

int ck_kexec_file_load(int kernel_fd, int initrd_fd, unsigned long cmdline_len,
                       const char *cmdline, unsigned long flags) {
#ifdef SYS_kexec_file_load
    long rc = syscall(SYS_kexec_file_load, kernel_fd, initrd_fd, cmdline_len, cmdline, flags);
    return rc == 0 ? 0 : -errno;
#else
    (void)kernel_fd; (void)initrd_fd; (void)cmdline_len; (void)cmdline; (void)flags;
    return -ENOSYS;
#endif
}

int ck_reboot_kexec(void) {
    long rc = syscall(SYS_reboot, LINUX_REBOOT_MAGIC1, LINUX_REBOOT_MAGIC2, LINUX_REBOOT_CMD_KEXEC, NULL);
    return rc == 0 ? 0 : -errno;
}

int ck_kexec_file_load_available(void) {
#ifdef SYS_kexec_file_load
    return 1;
#else
    return 0;
#endif
}

int ck_memfd_create(const char *name) {
    int fd = memfd_create(name, MFD_CLOEXEC);
    return fd >= 0 ? fd : -errno;
}
