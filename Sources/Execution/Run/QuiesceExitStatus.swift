import RebootPlan
import LinuxSystem
import KexecCore
import Quiesce

extension ExitStatus {
    /// The exit status for a loader error.
    static func forKexec(_ error: KexecError) -> ExitStatus {
        switch error.code {
        case .badImage: return .badData
        case .unavailable: return .unavailable
        case .noPermission: return .noPermission
        case .failed: return .internalError
        }
    }

    /// The exit status for an executor error: 75 for busy (rolled back, safe to retry), the loader's for a refused load.
    static func forQuiesce(_ error: QuiesceError) -> ExitStatus {
        switch error.code {
        case .planRefused: return .internalError
        case .loadFailed: return error.kexec.map(forKexec) ?? .unavailable
        case .busy, .unsafeMounts: return .temporary
        case .noPermission: return .noPermission
        case .unavailable: return .unavailable
        case .interrupted: return .interrupted
        case .failed: return .internalError
        }
    }
}
