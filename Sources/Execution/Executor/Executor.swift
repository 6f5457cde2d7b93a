import FoundationEssentials
import KexecCore
import LinuxSystem
import Quiesce
import RebootPlan

/// Runs a plan's steps, exactly and in order, through `ExecutorParts`. Any failure rolls back what was done
/// (in reverse: remount read-write, mount again, journal back to /var, swaps on, isolate the default target,
/// next_entry back, unload) and throws a `RunError` naming the step.
public struct Executor {
    let parts: ExecutorParts
    let progress: (StepEvent) -> Void
    let gate: (_ index: Int, _ step: PlanStep) throws(RunError) -> Void
    /// The kdump test whose marker goes to the kernel log right before the panic.
    let kdumpTestID: String?

    /// - Parameters:
    ///   - progress: called at each step's start and end and for each rollback action.
    ///   - gate: called before each step starts; what it throws fails that step, and what was done is rolled
    ///     back (the CLI stops here on Ctrl-C, and waits here for work it started beside the load).
    ///   - kdumpTestID: a kdump test's id: its marker (`KdumpTestRecord.marker`) is written to the kernel log
    ///     right before the panic, so whichever saver keeps the crashed kernel's dmesg keeps it.
    public init(parts: ExecutorParts, kdumpTestID: String? = nil, progress: @escaping (StepEvent) -> Void = { _ in },
                gate: @escaping (_ index: Int, _ step: PlanStep) throws(RunError) -> Void = { _, _ in }) {
        self.kdumpTestID = kdumpTestID
        self.parts = parts
        self.progress = progress
        self.gate = gate
    }

    /// Runs exactly `plan.steps`, in order. Refuses a plan whose checks failed or that was made for another root.
    /// On success of `exec`, `panic` or `handOver` this does not return on a real system (`handOver` returns
    /// once systemd has the job).
    public func run(_ plan: RebootPlan) throws(RunError) {
        guard plan.isForRunningSystem else {
            throw RunError(.planRefused, operation: "run the plan",
                           "a plan for \(plan.root) is for planning only; a run needs the running system's own plan")
        }
        guard plan.ok else {
            let reason = plan.firstFailure.map { "\($0.id.rawValue): \($0.message)" } ?? "a check failed"
            throw RunError(.planRefused, operation: "run the plan", "refusing to run the plan: \(reason)")
        }
        var undo = UndoLog()
        for (index, step) in plan.steps.enumerated() {
            let clock = ContinuousClock.now
            progress(.started(index: index, step: step, at: Date()))
            do throws(RunError) {
                try gate(index, step)
                let note = try perform(step, policy: plan.policy, then: plan.steps[(index + 1)...], undo: &undo)
                let duration = ContinuousClock.now - clock
                progress(.finished(index: index, step: step, duration: duration, note: note))
                recordStep(index, of: plan.steps.count, step, duration: duration, note: note, failed: false)
            } catch {
                var error = error
                error.step = step
                error.stepIndex = index
                let duration = ContinuousClock.now - clock
                progress(.failed(index: index, step: step, duration: duration, error: error))
                recordStep(index, of: plan.steps.count, step, duration: duration, note: "failed: \(error.message)", failed: true)
                rollBack(&undo, after: &error)
                throw error
            }
        }
    }

    private func recordStep(_ index: Int, of count: Int, _ step: PlanStep, duration: Duration, note: String?, failed: Bool) {
        let microseconds = duration.components.seconds * 1_000_000 + duration.components.attoseconds / 1_000_000_000_000
        var fields = ["STEP_INDEX": "\(index)", "STEP_ACTION": step.action.rawValue, "DURATION_USEC": "\(microseconds)"]
        switch step {
        case .unmount(let mount, let network):
            fields["MOUNT_PATH"] = mount.target
            if let network { fields["NETWORK_SERVER"] = network.server }
        case .remountReadOnly(let path): fields["MOUNT_PATH"] = path
        case .swapOff(let area): fields["SWAP_PATH"] = area.path
        case .isolate(let unit), .handOver(let unit, _): fields["UNIT"] = unit
        default: break
        }
        let message = "kreboot: step \(index + 1)/\(count): \(step.summary)" + (note.map { ": \($0)" } ?? "")
        parts.journal.record(JournalRecord(.step, message, priority: failed ? .error : .info, fields: fields))
    }
}
