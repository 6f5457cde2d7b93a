import RebootPlan

/// Reads the system (the one place the CLI does the planner's I/O) and makes the plan.
struct PlanSession {
    let global: GlobalOptions

    var root: RootDirectory { RootDirectory(global.root) }

    /// The snapshot of the system under `--root`, read for `options`.
    func snapshot(_ options: PlanOptions) -> SystemSnapshot {
        SystemSnapshot.read(root: root, options: options)
    }

    /// The plan for `options`.
    func plan(_ options: PlanOptions) -> RebootPlan {
        RebootPlanner.plan(snapshot(options), options)
    }
}
