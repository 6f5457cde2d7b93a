import KexecCore
import LinuxSystem
import Quiesce
import RebootPlan

/// A confirmed request run in this process: the executor with progress lines (shown and appended to the run's
/// progress.log), a gate before each step that stops on an interrupt and waits for the scope move before the
/// first step after the load, the result written to result.json, and the records marked on failure.
struct StepRun {
    let request: RunRequest
    let directory: RunDirectory?
    let parts: ExecutorParts
    let observer: any RunObserver
    let interrupts: any InterruptSource
    let records: any RunRecords
    /// The move into a transient scope, started beside the load; nil when none is needed.
    let scope: ScopeMove?

    func run() -> RunOutcome {
        let log = ProgressLog(total: request.plan.steps.count, path: directory?.progressFile, loadPath: request.plan.loadPath)
        let executor = Executor(parts: parts, kdumpTestID: request.kdumpTestID, progress: { event in
            let line = log.line(for: event)
            log.append(line)
            observer.show(line)
        }, gate: { index, step throws(RunError) in
            if index > 0 && interrupts.interrupted {
                throw RunError(.interrupted, operation: step.action.rawValue,
                               "interrupted before step \(index + 1) (\(step.summary)); nothing more was done")
            }
            if !step.isLoad, let scope { try quiesce { () throws(QuiesceError) in try scope.wait() } }
        })
        do throws(RunError) {
            try executor.run(request.plan)
            observer.finish()
            try? directory?.write(RunDirectory.Result(ok: true, code: nil, message: "done", failedStep: nil,
                                                      rolledBack: [], blockers: []))
            return .done
        } catch {
            observer.finish()
            records.rolledBack(request.plan, kdumpTestID: request.kdumpTestID, reason: error.message)
            try? directory?.write(RunDirectory.Result(ok: false, code: error.code.rawValue, message: error.message,
                                                      failedStep: error.step?.summary, rolledBack: error.rolledBack,
                                                      blockers: error.blockers.map { "\($0)" }))
            return .failed(error)
        }
    }
}
