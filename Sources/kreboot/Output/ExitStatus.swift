import ArgumentParser
import Execution
import Kdump
import LinuxSystem
import KexecCore
import Quiesce
import RebootPlan

/// kreboot's exit codes (sysexits.h), and how checks and errors map to them. Only the CLI maps.
enum ExitStatus: Int32 {
    case ok = 0
    case internalError = 1
    case usage = 64
    case badData = 65
    case unavailable = 69
    case temporary = 75
    case noPermission = 77
    case config = 78
    case interrupted = 130

    /// The exit status a failed check stands for.
    static func forCheck(_ id: CheckID) -> ExitStatus {
        switch id {
        case .root: return .noPermission
        case .kexecSupported, .kexecLoadDisabled, .lockdown, .loadPath, .crashkernel, .crashCapture, .dumpSpace,
             .signature, .secureBoot:
            return .unavailable
        case .bootEntry, .kernelImage, .initrd, .mountTable, .kernelValues: return .badData
        case .sessions, .alreadyLoaded, .swap, .networkMounts, .capture: return .temporary
        case .kdumpConfig: return .config
        }
    }

    /// The plan's exit status: that of its first failed check, or 0.
    static func forPlan(_ plan: RebootPlan) -> ExitStatus {
        plan.firstFailure.map { forCheck($0.id) } ?? .ok
    }
}

extension ExitCode {
    init(_ status: ExitStatus) { self.init(status.rawValue) }
}
