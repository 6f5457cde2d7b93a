import LinuxSystem
import SystemPackage

#if canImport(Glibc)
import Glibc
#endif

/// What kexec_file_load's errno means for kreboot: fall back to kexec-tools, or refuse and say why.
/// kexec-tools is tried only when the file syscall is missing or cannot handle the image format — never
/// after a signature or lockdown refusal, which another syscall must not get around.
public enum KexecErrnoTable {
    /// The meaning of one errno.
    public enum Verdict: Sendable, Equatable {
        /// The file syscall cannot do this; kexec_load (kexec-tools) may. The reason is one phrase.
        case fallback(String)
        /// Refused; the code and a phrase saying why.
        case refuse(KexecError.Code, String)
    }

    /// Errnos meaning "the kernel's signature check rejected the image".
    public static let signatureErrnos: Set<Int32> = [EKEYREJECTED, ENOKEY, EBADMSG, ELIBBAD]

    /// The verdict for `errno` answered by kexec_file_load under `lockdown` (nil: unknown, treated as off).
    public static func verdict(_ errno: Errno, lockdown: LockdownMode?, crash: Bool = false) -> Verdict {
        let locked = lockdown != nil && lockdown != LockdownMode.none
        switch errno.rawValue {
        case ENOSYS:
            return .fallback("kexec_file_load is not implemented by this kernel (ENOSYS)")
        case EOPNOTSUPP:  // == ENOTSUP on Linux
            return .fallback("kexec_file_load is not supported for this image (EOPNOTSUPP)")
        case ENOEXEC, EINVAL:
            let name = errno.rawValue == ENOEXEC ? "ENOEXEC" : "EINVAL"
            if locked {
                return .refuse(.unavailable,
                               "kexec_file_load cannot load this image format (\(name)) and lockdown (\(lockdown!.rawValue)) forbids kexec_load")
            }
            return .fallback("kexec_file_load does not support this image format (\(name))")
        case let value where signatureErrnos.contains(value):
            return .refuse(.unavailable,
                           "the kernel refused the image's signature (\(symbol(value))): a signed kernel is required" +
                           (locked ? " under lockdown (\(lockdown!.rawValue))" : " (kexec signature enforcement)"))
        case EPERM, EACCES:
            if locked {
                return .refuse(.unavailable,
                               "refused by kernel lockdown (\(lockdown!.rawValue), \(symbol(errno.rawValue))): only a kernel with a valid signature can be loaded")
            }
            return .refuse(.noPermission, "permission denied (\(symbol(errno.rawValue))): kexec needs root with CAP_SYS_BOOT in the initial namespaces")
        case ENOMEM:
            return crash
                ? .refuse(.unavailable, "the capture kernel and initrd do not fit into the crashkernel reservation (ENOMEM): reserve more with crashkernel=")
                : .refuse(.failed, "out of memory while loading (ENOMEM)")
        case EBUSY:
            return .refuse(.failed, "a kexec is in progress or the image is in use (EBUSY)")
        case ENOENT, EBADF:
            return .refuse(.badImage, "cannot read the image (\(symbol(errno.rawValue)))")
        default:
            return .refuse(.failed, "kexec_file_load failed: \(errno)")
        }
    }

    /// The C name of an errno kreboot mentions (`EKEYREJECTED`), else its number.
    public static func symbol(_ value: Int32) -> String {
        let names: [Int32: String] = [
            EKEYREJECTED: "EKEYREJECTED", ENOKEY: "ENOKEY", EBADMSG: "EBADMSG", ELIBBAD: "ELIBBAD",
            EPERM: "EPERM", EACCES: "EACCES", ENOSYS: "ENOSYS", EOPNOTSUPP: "EOPNOTSUPP", ENOEXEC: "ENOEXEC",
            EINVAL: "EINVAL", ENOMEM: "ENOMEM", EBUSY: "EBUSY", ENOENT: "ENOENT", EBADF: "EBADF",
        ]
        return names[value] ?? "errno \(value)"
    }
}
