import ArgumentParser
import Execution
import Kdump
import LinuxSystem
import RebootPlan

/// `kreboot plan`: the same as `kreboot --dry-run` — print the plan, change nothing.
struct PlanCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "plan",
        abstract: "Print the plan (same as --dry-run); nothing is changed.")

    @OptionGroup var global: GlobalOptions
    @OptionGroup var target: TargetOptions
    @Flag(name: .customLong("test-kdump"), help: "Plan a kdump test instead of a reboot.")
    var testKdump = false
    @Flag(name: .long, help: "Plan as if --force were given.")
    var force = false

    func validate() throws { try target.validate() }

    func run() throws {
        let plan = PlanSession(global: global).plan(target.planOptions(mode: testKdump ? .kdumpTest : .reboot, force: force))
        PlanJournal().send(plan, dryRun: true)
        try PlanOutput(json: global.json).emit(plan)
        throw ExitCode(ExitStatus.forPlan(plan))
    }
}
