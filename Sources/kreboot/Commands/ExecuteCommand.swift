import LinuxSystem
import Kdump
import RebootPlan
import KexecCore
import Quiesce
import Execution
import ArgumentParser
import FoundationEssentials

/// `kreboot __execute --run-dir DIR`: runs a confirmed plan from its run directory. Started by kreboot itself
/// when systemd is its parent (see `ExecutorChild`); not for people.
struct ExecuteCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "__execute",
        abstract: "Run a confirmed plan from its run directory (internal).",
        shouldDisplay: false)

    @Option(name: .customLong("run-dir"), help: "The run directory kreboot prepared.")
    var runDirectory: String

    func run() throws {
        // Only a run directory kreboot created in this boot, and only when the plan made again now (from a
        // fresh snapshot and the request's options) passes and has the confirmed steps.
        let admitted = ExecuteAdmission.admit(runDirectory, check: .current()) { options in
            PlanSession(root: RootDirectory()).plan(options)
        }
        let directory: RunDirectory, request: RunRequest
        switch admitted {
        case .success(let accepted): (directory, request) = accepted
        case .failure(let refusal):
            Terminal.error("__execute refused: \(refusal.message)")
            switch refusal {
            case .directory: throw ExitCode(ExitStatus.noPermission)
            case .recheck: throw ExitCode(ExitStatus.temporary)
            }
        }
        let underSystemd = FileManager.default.fileExists(atPath: "/run/systemd/system")
        let services = SystemdServiceManager()
        let outcome = RunPipeline.resume(request, directory: directory, services: services, observer: StepTicker(),
                                         parts: .system(services: services), underSystemd: underSystemd)
        throw ExitCode(RunReport.render(outcome, plan: request.plan))
    }
}
