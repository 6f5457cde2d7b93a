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

    /// Errnos meaning "the kernel's signature check rejected the image" (measured under Secure Boot: an unsigned
    /// kernel gives ENODATA, a tampered one EKEYREJECTED, one signed by an unknown key ENOKEY).
    public static let signatureErrnos: Set<Int32> = [ENODATA, EKEYREJECTED, ENOKEY, EBADMSG, ELIBBAD]

    /// What the kernel's signature errno means, in one phrase.
    public static func signatureReason(_ value: Int32) -> String {
        switch value {
        case ENODATA: "kernel signature missing or not verifiable (ENODATA: the kernel found no signature it could check)"
        case EKEYREJECTED: "signature rejected, bad or tampered (EKEYREJECTED: the image does not match its signature)"
        case ENOKEY: "signed by a key the kernel does not trust (ENOKEY: no key in the kernel's keyrings verifies it)"
        case EBADMSG: "signature malformed (EBADMSG: the kernel cannot parse the image's signature)"
        default: "signature refused (\(symbol(value)))"
        }
    }

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
                           "\(signatureReason(value)); the kernel refused the image's signature: a signed kernel is required" +
                           (locked ? " under lockdown (\(lockdown!.rawValue))" : " (kexec signature enforcement)"))
        case EACCES:
            // kexec_file_load answers EACCES when IMA appraisal (the Secure Boot policy) refuses the file; a missing
            // capability is EPERM.
            return .refuse(.unavailable, "refused by IMA/Secure Boot policy (EACCES): the kernel's appraisal of the image failed" +
                           (locked ? " under lockdown (\(lockdown!.rawValue))" : ""))
        case EPERM:
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
            ENODATA: "ENODATA", EKEYREJECTED: "EKEYREJECTED", ENOKEY: "ENOKEY", EBADMSG: "EBADMSG", ELIBBAD: "ELIBBAD",
            EPERM: "EPERM", EACCES: "EACCES", ENOSYS: "ENOSYS", EOPNOTSUPP: "EOPNOTSUPP", ENOEXEC: "ENOEXEC",
            EINVAL: "EINVAL", ENOMEM: "ENOMEM", EBUSY: "EBUSY", ENOENT: "ENOENT", EBADF: "EBADF",
        ]
        return names[value] ?? "errno \(value)"
    }
}
