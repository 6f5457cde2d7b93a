import Execution
import Kdump
import LinuxSystem
import KexecCore
import Quiesce
import RebootPlan

/// The `planned` journal record of a plan made for the real root, so that a dry run, too, can be found with
/// `journalctl MESSAGE_ID=9c3c658e39b4401eb1d456ab034b3dd9`. Plans for another `--root` are not recorded.
struct PlanJournal {
    var journal: any JournalRecorder = SystemdJournal()

    /// The record for `plan`: one line naming the mode, the target release and the outcome, with the
    /// target and the first failed check as fields.
    static func record(for plan: RebootPlan, dryRun: Bool) -> JournalRecord {
        let what = plan.mode == .kdumpTest ? "kdump test" : "reboot"
        let target = (plan.target?.release ?? plan.target?.kernel).map { " into \($0)" } ?? ""
        let outcome = plan.firstFailure.map { "refused: \($0.id.rawValue): \($0.message)" }
            ?? "\(plan.steps.count) steps"
        var fields = ["DRY_RUN": dryRun ? "1" : "0", "PLAN_MODE": plan.mode.rawValue, "PLAN_OK": plan.ok ? "1" : "0"]
        if let kernel = plan.target?.kernel { fields["KERNEL"] = kernel }
        if let commandLine = plan.target?.commandLine { fields["COMMAND_LINE"] = commandLine }
        if let failure = plan.firstFailure { fields["CHECK"] = failure.id.rawValue }
        return JournalRecord(.planned, "kreboot: planned \(what)\(target)\(dryRun ? " (dry run)" : ""): \(outcome)",
                             priority: plan.firstFailure == nil ? .info : .warning, fields: fields)
    }

    /// Records `plan` unless it was made for another root. Without journald nothing happens.
    func send(_ plan: RebootPlan, dryRun: Bool) {
        guard plan.isForRunningSystem else { return }
        journal.record(Self.record(for: plan, dryRun: dryRun))
    }
}
