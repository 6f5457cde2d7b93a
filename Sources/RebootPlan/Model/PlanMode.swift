import KexecCore
import LinuxSystem
/// What a plan is for: a fast reboot into a new kernel, or a verified crash (kdump) test.
public enum PlanMode: String, Codable, Sendable, CaseIterable {
    /// Load the target kernel, quiesce, `reboot(LINUX_REBOOT_CMD_KEXEC)`.
    case reboot
    /// Load the capture kernel if needed, quiesce, panic through /proc/sysrq-trigger.
    case kdumpTest = "kdump-test"
}
