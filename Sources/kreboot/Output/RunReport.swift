import Execution
import RebootPlan

/// Renders how a real run ended on stderr and gives its exit status.
enum RunReport {
    static func render(_ outcome: RunOutcome, plan: RebootPlan) -> ExitStatus {
        switch outcome {
        case .done:
            if plan.policy.strategy == .systemd, let image = plan.image {
                Terminal.writeStderr("loaded \(image.kernel); systemd is starting kexec.target\n")
            }
            return .ok
        case .notRunningSystem(let root):
            Terminal.error("a real run needs the real root; --root \(root) is for planning (--dry-run) only")
            return .usage
        case .refused(let failures):
            for check in failures { Terminal.error("\(check.id.rawValue): \(check.message)") }
            return ExitStatus.forPlan(plan)
        case .inhibited(let blocking):
            Terminal.error("shutdown is inhibited by \(blocking); use --ignore-inhibitors to reboot anyway")
            return .temporary
        case .declined:
            Terminal.error("cancelled; nothing was changed")
            return .internalError
        case .noTerminal:
            Terminal.error("no terminal to confirm on: pass --yes to run without confirmation")
            return .usage
        case .cannotPrepare(let reason):
            Terminal.error(reason)
            return .internalError
        case .failed(let error):
            Terminal.error(error.message)
            if !error.rolledBack.isEmpty { Terminal.error("rolled back: " + error.rolledBack.joined(separator: ", ")) }
            for failure in error.rollbackFailures { Terminal.error("rollback failed: \(failure)") }
            for blocker in error.blockers { Terminal.error("blocked by: \(blocker)") }
            return ExitStatus.forRun(error)
        case .child(let status):
            return ExitStatus(rawValue: status) ?? .internalError
        }
    }
}
