import FoundationEssentials
import Execution
import Kdump
import LinuxSystem
import KexecCore
import Quiesce
import RebootPlan

/// Reads the system (the one place the CLI does the planner's I/O) and makes the plan.
struct PlanSession {
    let root: RootDirectory

    init(global: GlobalOptions) { root = RootDirectory(global.root) }

    /// A session for the real root (`__execute` planning again).
    init(root: RootDirectory) { self.root = root }

    /// The snapshot of the system under `--root`, read for `options`. On the real root under systemd, other
    /// users' sessions come from logind (sd-bus); elsewhere they are not checked.
    func snapshot(_ options: PlanOptions) -> SystemSnapshot {
        var sessions: [LoginSession]?
        if root.isRealRoot && FileManager.default.fileExists(atPath: "/run/systemd/system") {
            sessions = try? SystemdServiceManager().sessions()
        }
        // Network mounts are probed in a child (kreboot __probe-mount), killed when its time is up.
        return SystemSnapshot.read(root: root, options: options, sessions: sessions, probe: ChildProcessMountProbe())
    }

    /// The plan for `options`.
    func plan(_ options: PlanOptions) -> RebootPlan {
        RebootPlanner.plan(snapshot(options), options)
    }
}
