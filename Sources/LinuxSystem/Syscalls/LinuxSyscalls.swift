internal import CLinuxSyscalls
import SystemPackage

/// The raw Linux system calls Swift cannot call directly, in one place: kexec_file_load, reboot (kexec and
/// restart), memfd_create and syncfs, through the CLinuxSyscalls shim. Every other module calls these
/// wrappers; none imports the shim. Each returns `Result<_, Errno>` with the errno read at once; calls that
/// can be interrupted are retried on EINTR.
public enum LinuxSyscalls {
    /// Whether kexec_file_load(2) has a system call number on this architecture.
    public static var hasKexecFileLoad: Bool { cl_kexec_file_load_available() != 0 }

    /// Loads `kernelFD` (and `initrdFD`) for a later kexec, with `commandLine` passed NUL-terminated (the length
    /// the kernel gets counts the NUL). `flags` are <linux/kexec.h>'s `KEXEC_FILE_*`; for an unload, pass -1 as
    /// both descriptors and a nil command line.
    /// The corresponding C function is `kexec_file_load`.
    public static func kexecFileLoad(kernelFD: Int32, initrdFD: Int32, commandLine: String?,
                                     flags: UInt) -> Result<Void, Errno> {
        let rc: Int32
        if let commandLine {
            var bytes = Array(commandLine.utf8CString)  // ends with the NUL, which the length includes
            rc = bytes.withUnsafeMutableBufferPointer { buffer in
                cl_kexec_file_load(kernelFD, initrdFD, UInt(buffer.count), buffer.baseAddress, flags)
            }
        } else {
            rc = cl_kexec_file_load(kernelFD, initrdFD, 0, nil, flags)
        }
        return result(rc)
    }

    /// Boots the kernel loaded with kexec_file_load. Returns only when the kernel refuses (no kernel loaded,
    /// no permission); success does not return.
    /// The corresponding C function is `reboot(LINUX_REBOOT_CMD_KEXEC)`.
    public static func rebootKexec() -> Result<Void, Errno> {
        result(cl_reboot_kexec())
    }

    /// Restarts the machine at once (glibc's `RB_AUTOBOOT`), without syncing or stopping anything: the caller
    /// has synced and unmounted. Returns only when the kernel refuses.
    /// The corresponding C function is `reboot(LINUX_REBOOT_CMD_RESTART)`.
    public static func rebootRestart() -> Result<Void, Errno> {
        result(cl_reboot_restart())
    }

    /// An anonymous file in memory, closed on exec; `name` shows in /proc/PID/fd as `/memfd:NAME`.
    /// The corresponding C function is `memfd_create(name, MFD_CLOEXEC)`.
    public static func memfdCreate(_ name: String) -> Result<FileDescriptor, Errno> {
        let rc = cl_memfd_create(name)
        return rc >= 0 ? .success(FileDescriptor(rawValue: rc)) : .failure(Errno(rawValue: -rc))
    }

    /// Writes back the file system that holds `fd`; a failed write-back is an error (EIO). Retried on EINTR.
    /// The corresponding C function is `syncfs`.
    public static func syncfs(_ fd: FileDescriptor) -> Result<Void, Errno> {
        var rc: Int32
        repeat { rc = cl_syncfs(fd.rawValue) } while rc == -Errno.interrupted.rawValue
        return result(rc)
    }

    /// 0 → success; -errno → that errno.
    /// The inode flags of `fd` (FS_IMMUTABLE_FL …). The corresponding C function is `ioctl(FS_IOC_GETFLAGS)`.
    public static func inodeFlags(_ fd: Int32) -> Result<UInt32, Errno> {
        var flags: UInt32 = 0
        let rc = cl_get_inode_flags(fd, &flags)
        return rc == 0 ? .success(flags) : .failure(Errno(rawValue: -rc))
    }

    /// Sets the inode flags of `fd`. The corresponding C function is `ioctl(FS_IOC_SETFLAGS)`.
    public static func setInodeFlags(_ fd: Int32, _ flags: UInt32) -> Result<Void, Errno> {
        result(cl_set_inode_flags(fd, flags))
    }

    /// The magic number of the file system holding `fd` (EFIVARFS_MAGIC …). The corresponding C function is `fstatfs`.
    public static func fileSystemMagic(_ fd: Int32) -> Result<UInt64, Errno> {
        var magic: UInt64 = 0
        let rc = withUnsafeMutablePointer(to: &magic) { pointer in
            pointer.withMemoryRebound(to: CUnsignedLongLong.self, capacity: 1) { cl_fs_magic(fd, $0) }
        }
        return rc == 0 ? .success(magic) : .failure(Errno(rawValue: -rc))
    }

    /// FS_IMMUTABLE_FL, which efivarfs sets on every variable file.
    public static var immutableFlag: UInt32 { cl_fs_immutable_flag() }

    private static func result(_ rc: Int32) -> Result<Void, Errno> {
        rc == 0 ? .success(()) : .failure(Errno(rawValue: -rc))
    }

    /// Turns the swap area at `path` off. The corresponding C function is `swapoff`.
    public static func swapOff(_ path: String) -> Result<Void, Errno> {
        let rc = cl_swapoff(path)
        return rc == 0 ? .success(()) : .failure(Errno(rawValue: -rc))
    }

    /// Turns the swap area at `path` on. The corresponding C function is `swapon`.
    public static func swapOn(_ path: String) -> Result<Void, Errno> {
        let rc = cl_swapon(path)
        return rc == 0 ? .success(()) : .failure(Errno(rawValue: -rc))
    }
}
