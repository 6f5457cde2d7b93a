import KexecCore
import LinuxSystem
import Quiesce
import RebootPlan

/// The run after confirmation, in this process: installs the run's signal handling, moves the process into
/// its own transient scope (beside the kernel load) so the isolate does not stop it, and runs the plan; the
/// gate before each step stops on Ctrl-C and waits for the scope before the first step after the load.
struct ConfirmedRun {
    let request: RunDirectory.Request
    let directory: RunDirectory
    var services: any ServiceManager = SystemdServiceManager()
    var underSystemd: Bool

    func run() -> ExitStatus {
        RunSignals.install()
        let scope = underSystemd ? ScopeMove(services: services, name: "kreboot-run-\(directory.id).scope") : nil
        var run = ExecutorRun(request: request, directory: directory, services: services)
        run.gate = { index, step throws(QuiesceError) in
            if index > 0 && RunSignals.interrupted {
                throw QuiesceError(.interrupted, operation: step.action.rawValue,
                                   "interrupted before step \(index + 1) (\(step.summary)); nothing more was done")
            }
            if step.action != .load && step.action != .loadCrash { try scope?.wait() }
        }
        return run.run()
    }
}
