import FoundationEssentials
import LinuxSystem
import KexecCore
import Quiesce
import RebootPlan

/// Runs a confirmed plan in kreboot's own process with the real loader, services and mounts: shows the
/// steps on stderr, appends them to the run's progress.log and writes result.json; on failure prints what
/// failed, what was rolled back and who blocked it, and marks kreboot's records.
struct ExecutorRun {
    let request: RunDirectory.Request
    let directory: RunDirectory?
    let services: any ServiceManager
    var loader: any KexecLoader = LoaderFactory.make()
    var mounts: any MountOperations = LibmountMountOperations()
    var journal: any JournalRecorder = SystemdJournal()
    /// Called before each step; what it throws stops the run there, with a rollback.
    var gate: (Int, PlanStep) throws(QuiesceError) -> Void = { _, _ in }

    /// Runs the request; returns the exit status (a successful exec or panic does not return on a real system).
    func run() -> ExitStatus {
        let log = ProgressLog(total: request.plan.steps.count, path: directory?.progressFile)
        let ticker = StepTicker()
        let executor = Executor(loader: loader, services: services, mounts: mounts, journal: journal,
                                progress: { event in
                                    let line = log.line(for: event)
                                    log.append(line)
                                    ticker.show(line)
                                },
                                gate: gate)
        do throws(QuiesceError) {
            try executor.run(request.plan, image: request.image, options: ExecutorOptions(force: request.force))
            ticker.finish()
            try? directory?.write(RunDirectory.Result(ok: true, exitStatus: 0, message: "done", failedStep: nil,
                                                      rolledBack: [], blockers: []))
            return .ok
        } catch {
            ticker.finish()
            if request.plan.mode == .reboot { RebootRecord.markRolledBack(error.message) }
            if let id = request.kdumpTestID {
                let failed = KdumpTestRecord(id: id, time: ISOTimestamp.string(),
                                             release: request.plan.target?.release, state: .failed,
                                             message: "rolled back before the panic: \(error.message)")
                try? failed.write()
            }
            let status = ExitStatus.forQuiesce(error)
            let blockers = error.blockers.map { "\($0)" }
            Terminal.error(error.message)
            if !error.rolledBack.isEmpty { Terminal.error("rolled back: " + error.rolledBack.joined(separator: ", ")) }
            for blocker in blockers { Terminal.error("blocked by: \(blocker)") }
            try? directory?.write(RunDirectory.Result(ok: false, exitStatus: status.rawValue, message: error.message,
                                                      failedStep: error.step?.summary, rolledBack: error.rolledBack,
                                                      blockers: blockers))
            return status
        }
    }
}
