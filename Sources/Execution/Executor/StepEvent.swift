import FoundationEssentials
import RebootPlan

/// What the executor reports while it runs: each step's start and end (with its duration), and each rollback action.
public enum StepEvent: Sendable {
    /// Step `index` of the plan started at `at`.
    case started(index: Int, step: PlanStep, at: Date)
    /// Step `index` finished after `duration`; `note` says what it did differently (a busy mount remounted read-only).
    case finished(index: Int, step: PlanStep, duration: Duration, note: String?)
    /// Step `index` failed after `duration`; a rollback follows.
    case failed(index: Int, step: PlanStep, duration: Duration, error: RunError)
    /// A rollback action (`remount / read-write`, `isolate graphical.target`, `unload the kernel`) and its error, if any.
    case rollback(action: String, error: RunError?)
}
