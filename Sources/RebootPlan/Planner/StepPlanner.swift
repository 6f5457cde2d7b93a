import KexecCore
import LinuxSystem

/// The steps of a plan, in the order the executor runs them. Pure.
///
/// kreboot's own quiesce: load first (a refused image stops the run while nothing is stopped), clear a
/// grub-reboot one-time entry, isolate rescue.target, turn every swap off, move the journal to /run before the
/// file system holding it is touched, unmount children before parents, `/` read-only, sync, then exec (or, for
/// a kdump test, panic). `--via systemd`: load, clear the one-time entry, hand over to kexec.target.
struct StepPlanner {
    let snapshot: SystemSnapshot
    let options: PlanOptions
    /// The chosen kernel; nil when none could be chosen (the plan then has a failed check and no load step).
    let target: BootTarget?

    /// The unit isolated to quiesce services before unmounting.
    static let quiesceUnit = "rescue.target"
    /// systemd's kexec path, as `systemctl kexec` starts it.
    static let handOverUnit = "kexec.target"
    static let handOverMode = "replace-irreversibly"

    func steps() -> [PlanStep] {
        var steps: [PlanStep] = []
        let image = target.map { KexecImage(kernel: $0.kernel, initrds: $0.initrds, commandLine: $0.commandLine) }
        switch options.mode {
        case .reboot:
            if let image { steps.append(.load(image)) }
            if options.kernel == nil && options.entry == nil, let grubenv = snapshot.bootLoader.oneTimeEntryFile {
                steps.append(.clearGrubNextEntry(grubenv: grubenv))
            }
            if options.kernel == nil && options.entry == nil, let oneShot = snapshot.bootLoader.systemdBootOneShot {
                steps.append(.clearSystemdBootOneShot(variable: EfiVarFS.loaderVariable("LoaderEntryOneShot"), entry: oneShot))
            }
        case .kdumpTest:
            if snapshot.kernel.kexecCrashLoaded != true, let image { steps.append(.loadCrash(image)) }
        }
        if options.mode == .reboot && options.policy.strategy == .systemd {
            steps.append(.handOver(unit: Self.handOverUnit, mode: Self.handOverMode))
            return steps
        }
        steps.append(.isolate(unit: Self.quiesceUnit))
        steps += snapshot.swaps.map(PlanStep.swapOff)
        var fileSystemSteps = MountClassifier.mountsToUnmount(snapshot.mounts).map(PlanStep.unmount)
        if let root = snapshot.mounts.last(where: { $0.target == "/" }), !root.isReadOnly {
            fileSystemSteps.append(.remountReadOnly(path: "/"))
        } else if snapshot.mounts.isEmpty {
            fileSystemSteps.append(.remountReadOnly(path: "/"))
        }
        if let journal = snapshot.persistentJournal {
            let holder = JournalLocation.mountPoint(of: journal, in: snapshot.mounts)
            let first = fileSystemSteps.firstIndex { step in
                switch step {
                case .unmount(let mount): mount.target == holder
                case .remountReadOnly(let path): path == holder
                default: false
                }
            }
            fileSystemSteps.insert(.moveJournal(journalDirectory: journal), at: first ?? fileSystemSteps.endIndex)
        }
        steps += fileSystemSteps
        steps.append(.sync)
        steps.append(options.mode == .reboot ? .exec : .panic)
        return steps
    }
}
