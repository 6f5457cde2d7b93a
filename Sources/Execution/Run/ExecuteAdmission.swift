import LinuxSystem
import RebootPlan

/// What `kreboot __execute --run-dir DIR` does before acting: the directory must be one kreboot created in
/// this boot (`RunDirectoryCheck`), and the plan made again now from its options must pass and have the
/// confirmed steps (`RunRequestRecheck`). The CLI only calls `admit` and renders the refusal.
public enum ExecuteAdmission {
    /// Why `__execute` does nothing.
    public enum Refusal: Error, Sendable, Equatable {
        /// Not a run directory kreboot created in this boot.
        case directory(SystemError)
        /// Planned again, the plan fails or changed.
        case recheck(RunRequestRecheck.Refusal)

        /// One line for the person.
        public var message: String {
            switch self {
            case .directory(let error): error.message
            case .recheck(let refusal): refusal.message
            }
        }
    }

    /// The run directory and its request, once both checks pass.
    public static func admit(_ path: String, check: RunDirectoryCheck,
                             replan: (PlanOptions) -> RebootPlan) -> Result<(RunDirectory, RunRequest), Refusal> {
        let accepted: (RunDirectory, RunRequest)
        do { accepted = try check.accept(path) } catch { return .failure(.directory(error)) }
        if let refusal = RunRequestRecheck.verify(accepted.1, replan: replan) { return .failure(.recheck(refusal)) }
        return .success(accepted)
    }
}
