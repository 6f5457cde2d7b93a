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
        let directory = RunDirectory(path: runDirectory)
        let request: RunRequest
        do {
            request = try directory.readRequest()
        } catch {
            Terminal.error("\(directory.requestFile): \(error)")
            throw ExitCode(ExitStatus.internalError)
        }
        let underSystemd = FileManager.default.fileExists(atPath: "/run/systemd/system")
        let services = SystemdServiceManager()
        let outcome = RunPipeline.resume(request, directory: directory, services: services, observer: StepTicker(),
                                         parts: .system(services: services), underSystemd: underSystemd)
        throw ExitCode(RunReport.render(outcome, plan: request.plan))
    }
}
