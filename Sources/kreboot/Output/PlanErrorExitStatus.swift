import Execution
import Kdump
import LinuxSystem
import KexecCore
import Quiesce
import RebootPlan

extension ExitStatus {
    /// The exit status for a RebootPlan error: 65 bad data, 69 unavailable, 77 no permission.
    static func forPlanError(_ error: SystemError) -> ExitStatus {
        switch error.code {
        case .badData: return .badData
        case .unavailable: return .unavailable
        case .noPermission: return .noPermission
        case .failed: return .internalError
        }
    }
}
