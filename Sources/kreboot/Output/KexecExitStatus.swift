import KexecCore
import RebootPlan

extension ExitStatus {
    /// The exit status for a KexecCore error: 65 bad image, 69 unavailable, 77 no permission, 1 otherwise.
    static func forKexec(_ error: KexecError) -> ExitStatus {
        switch error.code {
        case .badImage: return .badData
        case .unavailable: return .unavailable
        case .noPermission: return .noPermission
        case .failed: return .internalError
        }
    }

    /// The exit status for a RebootPlan error: 65 bad data, 69 unavailable, 77 no permission.
    static func forPlanError(_ error: RebootPlanError) -> ExitStatus {
        switch error.code {
        case .badData: return .badData
        case .unavailable: return .unavailable
        case .noPermission: return .noPermission
        }
    }
}
