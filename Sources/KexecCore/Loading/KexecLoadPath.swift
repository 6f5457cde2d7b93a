import LinuxSystem

/// How a plan's kernel gets into memory, said up front: through kreboot's own kexec_file_load, or — on a kernel
/// built without it (Debian's arm64 kernels) — through kexec-tools' kexec_load (`kexec -c`), and whether the
/// image's signature is checked that way. The exec is kreboot's own reboot(LINUX_REBOOT_CMD_KEXEC) either way.
public struct KexecLoadPath: Codable, Sendable, Equatable {
    /// The system call: `kexec_file_load` or `kexec_load`.
    public enum Syscall: String, Codable, Sendable { case kexecFileLoad = "kexec_file_load", kexecLoad = "kexec_load" }
    /// Who makes it: `kreboot` itself, or `kexec-tools` (`kexec -c -l`, `-c -p` for a capture kernel).
    public enum Loader: String, Codable, Sendable { case kreboot, kexecTools = "kexec-tools" }
    /// Whether the image's signature is checked: `enforced` (lockdown: only a signed kernel loads), `kernel-policy`
    /// (kexec_file_load checks it when the kernel was built to: KEXEC_SIG), `not-checked` (kexec_load checks none).
    public enum Signature: String, Codable, Sendable {
        case enforced, kernelPolicy = "kernel-policy", notChecked = "not-checked"
    }

    public var syscall: Syscall
    public var loader: Loader
    public var signature: Signature
    /// One line saying why, naming what told whether kexec_file_load exists.
    public var reason: String

    public init(syscall: Syscall, loader: Loader, signature: Signature, reason: String) {
        self.syscall = syscall
        self.loader = loader
        self.signature = signature
        self.reason = reason
    }

    /// The path for the running `kernel`: kexec_load through kexec-tools when it has no kexec_file_load, else
    /// kexec_file_load (with kexec-tools only as the fallback for an image the file call cannot take).
    public static func decide(_ kernel: KernelState) -> KexecLoadPath {
        let locked = kernel.lockdown != nil && kernel.lockdown != LockdownMode.none
        switch kernel.kexecFileLoad {
        case let support? where !support.available:
            return KexecLoadPath(syscall: .kexecLoad, loader: .kexecTools, signature: .notChecked,
                                 reason: "the running kernel has no kexec_file_load (\(support.evidence)): kexec-tools loads with kexec_load (kexec -c), which checks no signature")
        case let support?:
            return KexecLoadPath(syscall: .kexecFileLoad, loader: .kreboot, signature: locked ? .enforced : .kernelPolicy,
                                 reason: "the running kernel has kexec_file_load (\(support.evidence))")
        case nil:
            return KexecLoadPath(syscall: .kexecFileLoad, loader: .kreboot, signature: locked ? .enforced : .kernelPolicy,
                                 reason: "kexec_file_load first (whether the running kernel has it is not known); kexec-tools' kexec_load if it answers ENOSYS")
        }
    }
}
