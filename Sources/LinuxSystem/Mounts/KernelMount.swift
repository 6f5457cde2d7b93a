import SystemPackage

#if canImport(Glibc)
import Glibc
#endif

/// mount(2) and umount2(2) for a file system whose options go to the kernel as they are (NFS and CIFS in
/// a capture boot: no mount helper, so a password in the options stays in the kernel's mount data and on
/// no command line). Errors name the mount point and never quote `data`.
public enum KernelMount {
    /// Mounts `source` of `type` on `target` with the option string `data`.
    public static func mount(source: String, type: String, target: String, data: String) throws(SystemError) {
        let rc = data.withCString { Glibc.mount(source, target, type, 0, $0) }
        guard rc == 0 else {
            let err = Errno(rawValue: errno)
            throw SystemError(.failed, path: target, errno: err, "mount -t \(type) \(source) \(target): \(err)")
        }
    }

    /// Unmounts `target`; a lazy detach when it is busy.
    public static func unmount(_ target: String) throws(SystemError) {
        if umount2(target, 0) == 0 { return }
        if errno == EBUSY, umount2(target, Int32(MNT_DETACH)) == 0 { return }
        let err = Errno(rawValue: errno)
        throw SystemError(.failed, path: target, errno: err, "umount \(target): \(err)")
    }
}
