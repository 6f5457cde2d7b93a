import KexecCore

extension ExitStatus {
    /// The exit status a KexecCore error stands for: bad data 65, unavailable 69, no permission 77, else 1.
    static func forKexecError(_ error: KexecError) -> ExitStatus {
        switch error.code {
        case .badImage: return .badData
        case .unavailable: return .unavailable
        case .noPermission: return .noPermission
        case .failed: return .internalError
        }
    }
}
