#ifndef CLINUX_H
#define CLINUX_H

/// The raw Linux system calls Swift cannot call directly (syscall(2) is variadic; some wrappers need
/// _GNU_SOURCE, which Swift's Glibc module does not define). Each returns 0 (or a descriptor), or -errno.
/// Only LinuxSystem imports this module: everything above it calls LinuxSystem's `LinuxSyscalls`.

/// kexec_file_load(2). Returns 0, or -errno on failure.
int cl_kexec_file_load(int kernel_fd, int initrd_fd, unsigned long cmdline_len,
                       const char *cmdline, unsigned long flags);

/// Whether kexec_file_load(2) has a system call number on this architecture (1) or not (0).
int cl_kexec_file_load_available(void);

/// reboot(LINUX_REBOOT_CMD_KEXEC): boots the loaded kernel. Returns only on failure, with -errno.
int cl_reboot_kexec(void);

/// reboot(LINUX_REBOOT_CMD_RESTART), glibc's RB_AUTOBOOT: restarts the machine at once, without
/// syncing or stopping anything. Returns only on failure, with -errno.
int cl_reboot_restart(void);

/// memfd_create(name, MFD_CLOEXEC): an anonymous file in memory. Returns the descriptor, or -errno.
int cl_memfd_create(const char *name);

/// syncfs(2): writes back the file system that holds `fd`. Returns 0, or -errno (EIO: a write-back failed).
int cl_syncfs(int fd);

/// swapoff(2). Returns 0, or -errno on failure.
int cl_swapoff(const char *path);

/// swapon(2) with no flags. Returns 0, or -errno on failure.
int cl_swapon(const char *path);

/// ioctl(fd, FS_IOC_GETFLAGS): the inode flags (FS_IMMUTABLE_FL …) into *flags. Returns 0, or -errno.
int cl_get_inode_flags(int fd, unsigned int *flags);

/// ioctl(fd, FS_IOC_SETFLAGS): sets the inode flags. Returns 0, or -errno.
int cl_set_inode_flags(int fd, unsigned int flags);

/// fstatfs(2)'s f_type (the file system's magic number) of `fd` into *magic. Returns 0, or -errno.
int cl_fs_magic(int fd, unsigned long long *magic);

/// FS_IMMUTABLE_FL from <linux/fs.h>: efivarfs sets it on every variable file.
unsigned int cl_fs_immutable_flag(void);

#endif
