import Foundation
import KexecCore
import Quiesce
import RebootPlan

/// The executor side of a real run: reads the run directory's request, runs the plan with the real loader,
/// services and mounts, and writes progress.log and result.json. Runs inside a transient unit with
/// IgnoreOnIsolate=yes (so the rescue isolate does not stop it), or in the CLI's own process without systemd.
struct ExecutorRun {
    let directory: RunDirectory
    var loader: any KexecLoader = LoaderFactory.make()
    var services: any ServiceManager = SystemdServiceManager()
    var mounts: any MountOperations = LibmountMountOperations()
    var journal: any JournalRecorder = SystemdJournal()

    /// Runs the request; returns the exit status (a successful exec or panic does not return on a real system).
    func run() -> ExitStatus {
        let request: RunDirectory.Request
        do {
            request = try directory.readRequest()
        } catch {
            Terminal.error("\(directory.requestFile): \(error)")
            return .internalError
        }
        let log = ProgressLog(total: request.plan.steps.count, path: directory.progressFile)
        let executor = Executor(loader: loader, services: services, mounts: mounts, journal: journal, progress: log.report)
        do throws(QuiesceError) {
            try executor.run(request.plan, image: request.image, options: ExecutorOptions(force: request.force))
            try? directory.write(RunDirectory.Result(ok: true, exitStatus: 0, message: "done", failedStep: nil,
                                                     rolledBack: [], blockers: []))
            return .ok
        } catch {
            if request.plan.mode == .reboot { RebootRecord.markRolledBack(error.message) }
            if let id = request.kdumpTestID {
                let failed = KdumpTestRecord(id: id, time: ISO8601DateFormatter().string(from: Date()),
                                             release: request.plan.target?.release, state: .failed,
                                             message: "rolled back before the panic: \(error.message)")
                try? failed.write()
            }
            let status = ExitStatus.forQuiesce(error)
            let blockers = error.blockers.map { "\($0)" }
            try? directory.write(RunDirectory.Result(ok: false, exitStatus: status.rawValue, message: error.message,
                                                     failedStep: error.step?.summary, rolledBack: error.rolledBack,
                                                     blockers: blockers))
            return status
        }
    }
}
