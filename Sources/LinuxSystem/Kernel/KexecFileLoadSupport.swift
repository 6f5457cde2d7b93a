import SystemPackage
#if canImport(Glibc)
import Glibc
#endif

/// Whether the running kernel has kexec_file_load(2) (CONFIG_KEXEC_FILE), and what said so. Debian's arm64
/// kernels have none: every load there goes through kexec_load(2), which only kexec-tools drives.
public struct KexecFileLoadSupport: Codable, Sendable, Equatable {
    /// True when the system call exists; false when the kernel answers ENOSYS or its configuration lacks it.
    public var available: Bool
    /// What said so: `kexec_file_load answered ENOSYS` or `/boot/config-6.1.0-57-cloud-arm64: # CONFIG_KEXEC_FILE is not set`.
    public var evidence: String

    public init(available: Bool, evidence: String) {
        self.available = available
        self.evidence = evidence
    }
}

/// Finds out whether the running kernel has kexec_file_load. On the running system it asks the kernel: the call
/// with flags the kernel does not know (and no files) is refused before anything is looked at or locked — EINVAL,
/// or EPERM without the privilege — when the call exists, and ENOSYS when it does not. For another root it reads
/// the running release's kernel configuration (/boot/config-RELEASE). Nothing is loaded or changed either way.
public enum KexecFileLoadProbe {
    /// A flag <linux/kexec.h> does not define: the kernel rejects it right after its permission check.
    public static let unknownFlag: UInt = 0x8000_0000

    /// Asks the kernel, returning the errno the probe call got (nil if it succeeded, which it cannot).
    public typealias Ask = @Sendable () -> Errno?

    /// The real question: kexec_file_load(-1, -1, no command line, an unknown flag).
    public static let askKernel: Ask = {
        guard LinuxSyscalls.hasKexecFileLoad else { return Errno(rawValue: ENOSYS) }
        if case .failure(let errno) = LinuxSyscalls.kexecFileLoad(kernelFD: -1, initrdFD: -1, commandLine: nil,
                                                                 flags: unknownFlag) {
            return errno
        }
        return nil
    }

    /// The answer for the system under `root`: the kernel's own (through `ask`) when `root` is the real root,
    /// else the configuration of `release` under /boot; nil when neither tells.
    public static func read(root: RootDirectory, release: String?, ask: Ask = askKernel) -> KexecFileLoadSupport? {
        if root.isRealRoot, let answer = fromErrno(ask()) { return answer }
        guard let release, !release.isEmpty, !release.contains("/") else { return nil }
        let file = "/boot/config-\(release)"
        return root.readText(file).flatMap { fromConfig($0, file: file) }
    }

    /// The probe's errno: ENOSYS means no such call; any other refusal means the call exists.
    public static func fromErrno(_ errno: Errno?) -> KexecFileLoadSupport? {
        guard let errno else { return nil }
        if errno.rawValue == ENOSYS {
            return KexecFileLoadSupport(available: false, evidence: "kexec_file_load answered ENOSYS")
        }
        return KexecFileLoadSupport(available: true, evidence: "kexec_file_load exists (it refused an unknown flag with \(name(errno)))")
    }

    /// EINVAL, EPERM or the number.
    static func name(_ errno: Errno) -> String {
        switch errno.rawValue {
        case EINVAL: "EINVAL"
        case EPERM: "EPERM"
        case EBADF: "EBADF"
        default: "errno \(errno.rawValue)"
        }
    }

    /// A kernel configuration's `CONFIG_KEXEC_FILE=y` or `# CONFIG_KEXEC_FILE is not set`; nil when it names neither.
    public static func fromConfig(_ text: String, file: String) -> KexecFileLoadSupport? {
        for line in text.split(separator: "\n") {
            let trimmed = line.trimmingWhitespace()
            if trimmed == "CONFIG_KEXEC_FILE=y" {
                return KexecFileLoadSupport(available: true, evidence: "\(file): CONFIG_KEXEC_FILE=y")
            }
            if trimmed == "# CONFIG_KEXEC_FILE is not set" {
                return KexecFileLoadSupport(available: false, evidence: "\(file): # CONFIG_KEXEC_FILE is not set")
            }
        }
        return nil
    }
}
