import KexecCore
import LinuxSystem
/// The ids of preflight checks; scripts rely on these names.
public enum CheckID: String, Codable, Sendable, CaseIterable {
    case root
    case kexecSupported = "kexec-supported"
    case kexecLoadDisabled = "kexec-load-disabled"
    case lockdown
    /// The firmware's Secure Boot state (SecureBoot EFI variable); shown, never failing.
    case secureBoot = "secure-boot"
    /// The chosen kernel's signature (its PE certificate table) against lockdown: fails when lockdown needs one.
    case signature
    /// How the kernel is loaded: kexec_file_load, or kexec-tools' kexec_load where the kernel has none.
    case loadPath = "load-path"
    /// Through kexec_load, whether kexec-tools can describe the crashed kernel correctly (kdump test only).
    case crashCapture = "crash-capture"
    case bootEntry = "boot-entry"
    case kernelImage = "kernel-image"
    case initrd
    case sessions
    case crashkernel
    case dumpSpace = "dump-space"
    case alreadyLoaded = "already-loaded"
    /// A kdump test: who armed the capture kernel and where its dump will be.
    case capture
    /// The kdump configuration's dump target, KDUMP_NETCONFIG and notification settings parse (78 when not).
    case kdumpConfig = "kdump-config"
    case mountTable = "mount-table"
    case swap
    /// Each network mount's server answered the preflight probe (listed only when there are network mounts).
    case networkMounts = "network-mounts"
    /// A number the plan depends on in a /proc or /sys file is impossible (listed only when one is).
    case kernelValues = "kernel-values"
}

/// A check's outcome.
public enum CheckStatus: String, Codable, Sendable, Comparable {
    case pass, warn, fail

    private var rank: Int { self == .pass ? 0 : self == .warn ? 1 : 2 }
    public static func < (a: CheckStatus, b: CheckStatus) -> Bool { a.rank < b.rank }
}

/// One preflight check: an id, pass/warn/fail, and one line naming the file or the cause.
public struct PlanCheck: Codable, Sendable, Equatable {
    public var id: CheckID
    public var status: CheckStatus
    public var message: String

    public init(_ id: CheckID, _ status: CheckStatus, _ message: String) {
        self.id = id
        self.status = status
        self.message = OneLineText.escape(message)
    }
}

extension PlanCheck {
    /// The check `id` with a rule's verdict (`KexecRules`, shared with the loader's preflight).
    public init(_ id: CheckID, _ finding: KexecFinding) {
        let status: CheckStatus = switch finding.severity {
        case .pass: .pass
        case .warn: .warn
        case .fail: .fail
        }
        self.init(id, status, finding.message)
    }
}
