import ArgumentParser
import Execution
import Kdump
import LinuxSystem
import KexecCore
import Quiesce
import RebootPlan

/// `kreboot plan`: the same as `kreboot --dry-run` — print the plan, change nothing.
struct PlanCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "plan",
        abstract: "Print the plan (same as --dry-run); nothing is changed.")

    @OptionGroup var global: GlobalOptions
    @OptionGroup var target: TargetOptions
    @OptionGroup var planning: PlanningOptions

    func validate() throws {
        try target.validate()
        try planning.validate()
    }

    func run() throws {
        let plan = PlanSession(global: global).plan(target.planOptions(mode: planning.mode, policy: planning.policy))
        PlanJournal().send(plan, dryRun: true)
        try PlanOutput(json: global.json).emit(plan)
        throw ExitCode(ExitStatus.forPlan(plan))
    }
}
