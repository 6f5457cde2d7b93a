import LinuxSystem
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
        let request: RunDirectory.Request
        do {
            request = try directory.readRequest()
        } catch {
            Terminal.error("\(directory.requestFile): \(error)")
            throw ExitCode(ExitStatus.internalError)
        }
        let underSystemd = FileManager.default.fileExists(atPath: "/run/systemd/system")
        throw ExitCode(ConfirmedRun(request: request, directory: directory, underSystemd: underSystemd).run())
    }
}
