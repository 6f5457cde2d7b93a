import KexecCore
import LinuxSystem
/// Turns a snapshot of the system and the user's options into a plan. Pure: no I/O, same input, same plan.
public enum RebootPlanner {
    /// The unit isolated to quiesce services before unmounting.
    public static let quiesceUnit = StepPlanner.quiesceUnit

    /// The plan for `snapshot` under `options`.
    public static func plan(_ snapshot: SystemSnapshot, _ options: PlanOptions) -> RebootPlan {
        var target: BootTarget?
        var targetFailure: PlanCheck?
        switch TargetSelector(snapshot: snapshot, options: options).select() {
        case .success(var chosen):
            if let image = snapshot.files[chosen.kernel]?.image {
                chosen.release = image.release
                chosen.arch = image.arch
                chosen.format = image.format.rawValue
            }
            target = chosen
        case .failure(let check):
            targetFailure = check
        }
        let capture = options.mode == .kdumpTest ? CapturePlanner(snapshot: snapshot, options: options).capture(target: target) : nil
        let checks = PreflightChecks(snapshot: snapshot, options: options)
            .run(target: target, targetFailure: targetFailure, capture: capture)
        let running = snapshot.commandLine.map { KernelCommandLine($0).reusable }
        let change = target.flatMap { t in running.map { KernelCommandLine(t.commandLine).change(from: $0) } }
        return RebootPlan(mode: options.mode, target: target, steps: StepPlanner(snapshot: snapshot, options: options, target: target).steps(), checks: checks,
                          runningCommandLine: snapshot.commandLine, commandLineChange: change, root: snapshot.root.path,
                          isForRunningSystem: snapshot.root.isRealRoot, policy: options.policy, capture: capture,
                          loadPath: KexecLoadPath.decide(snapshot.kernel))
    }
}
