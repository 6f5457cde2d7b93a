import KexecCore
import LinuxSystem
/// Turns a snapshot of the system and the user's options into a plan. Pure: no I/O, same input, same plan.
public enum RebootPlanner {
    /// The unit isolated to quiesce services before unmounting.
    public static let quiesceUnit = "rescue.target"

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
        let checks = PreflightChecks(snapshot: snapshot, options: options).run(target: target, targetFailure: targetFailure)
        let running = snapshot.commandLine.map { KernelCommandLine($0).reusable }
        let change = target.flatMap { t in running.map { KernelCommandLine(t.commandLine).change(from: $0) } }
        return RebootPlan(mode: options.mode, target: target, steps: steps(snapshot, options), checks: checks,
                          runningCommandLine: snapshot.commandLine, commandLineChange: change, root: snapshot.root.path)
    }

    /// The steps: load first, then the quiesce (isolate, unmount children before parents, `/` read-only, sync),
    /// then exec — or, for a kdump test, panic. A reboot into a default that grub-reboot chose clears that
    /// one-time choice after the load, as GRUB does when it boots it (the rollback restores it).
    static func steps(_ snapshot: SystemSnapshot, _ options: PlanOptions) -> [PlanStep] {
        var steps: [PlanStep] = []
        switch options.mode {
        case .reboot:
            steps.append(.load)
            if options.kernel == nil && options.entry == nil, let grubenv = snapshot.bootLoader.oneTimeEntryFile {
                steps.append(.clearGrubNextEntry(grubenv))
            }
        case .kdumpTest: if snapshot.kernel.kexecCrashLoaded != true { steps.append(.loadCrash) }
        }
        steps.append(.isolate(quiesceUnit))
        steps += MountClassifier.mountsToUnmount(snapshot.mounts).map(PlanStep.unmount)
        if let root = snapshot.mounts.last(where: { $0.target == "/" }), !root.isReadOnly {
            steps.append(.remountReadOnly("/"))
        } else if snapshot.mounts.isEmpty {
            steps.append(.remountReadOnly("/"))
        }
        steps.append(.sync)
        steps.append(options.mode == .reboot ? .exec : .panic)
        return steps
    }
}
