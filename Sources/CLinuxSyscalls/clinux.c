#define _GNU_SOURCE
#include "clinux.h"
#include <sys/swap.h>

#include <errno.h>
#include <linux/reboot.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>
#include <sys/ioctl.h>
#include <sys/vfs.h>
#include <linux/fs.h>

int cl_kexec_file_load(int kernel_fd, int initrd_fd, unsigned long cmdline_len,
                       const char *cmdline, unsigned long flags) {
#ifdef SYS_kexec_file_load
    long rc = syscall(SYS_kexec_file_load, kernel_fd, initrd_fd, cmdline_len, cmdline, flags);
    return rc == 0 ? 0 : -errno;
#else
    (void)kernel_fd; (void)initrd_fd; (void)cmdline_len; (void)cmdline; (void)flags;
    return -ENOSYS;
#endif
}

int cl_kexec_file_load_available(void) {
#ifdef SYS_kexec_file_load
    return 1;
#else
    return 0;
#endif
}

static int reboot_with(unsigned int command) {
    long rc = syscall(SYS_reboot, LINUX_REBOOT_MAGIC1, LINUX_REBOOT_MAGIC2, command, NULL);
    return rc == 0 ? 0 : -errno;
}

int cl_reboot_kexec(void) {
    return reboot_with(LINUX_REBOOT_CMD_KEXEC);
}

int cl_reboot_restart(void) {
    return reboot_with(LINUX_REBOOT_CMD_RESTART);
}

int cl_memfd_create(const char *name) {
    int fd = memfd_create(name, MFD_CLOEXEC);
    return fd >= 0 ? fd : -errno;
}

int cl_syncfs(int fd) {
    return syncfs(fd) == 0 ? 0 : -errno;
}

int cl_swapoff(const char *path) { return swapoff(path) == 0 ? 0 : -errno; }

int cl_swapon(const char *path) { return swapon(path, 0) == 0 ? 0 : -errno; }

int cl_get_inode_flags(int fd, unsigned int *flags) {
    int value = 0;
    if (ioctl(fd, FS_IOC_GETFLAGS, &value) != 0) return -errno;
    *flags = (unsigned int)value;
    return 0;
}

int cl_set_inode_flags(int fd, unsigned int flags) {
    int value = (int)flags;
    return ioctl(fd, FS_IOC_SETFLAGS, &value) == 0 ? 0 : -errno;
}

unsigned int cl_fs_immutable_flag(void) { return FS_IMMUTABLE_FL; }

int cl_fs_magic(int fd, unsigned long long *magic) {
    struct statfs fs;
    if (fstatfs(fd, &fs) != 0) return -errno;
    *magic = (unsigned long long)fs.f_type;
    return 0;
}
