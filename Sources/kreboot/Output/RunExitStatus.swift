import Execution
import KexecCore

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

    /// The exit status for a failed run: a load failure by the loader's code, a busy mount or one left
    /// read-write 75 (rolled back, safe to retry), an interrupt 130.
    static func forRun(_ error: RunError) -> ExitStatus {
        switch error.code {
        case .planRefused: return .usage
        case .loadFailed: return error.kexec.map(forKexec) ?? .internalError
        case .busy, .unsafeMounts, .timedOut: return .temporary
        case .noPermission: return .noPermission
        case .unavailable: return .unavailable
        case .interrupted: return .interrupted
        case .failed: return .internalError
        }
    }
}
