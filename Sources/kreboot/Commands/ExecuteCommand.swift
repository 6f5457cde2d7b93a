import ArgumentParser

/// `kreboot __execute --run-dir DIR`: the executor half of a real run, started by `kreboot` in a transient
/// systemd unit. Not for people: it runs exactly the plan it is given.
struct ExecuteCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "__execute",
        abstract: "Run a prepared plan (internal: started by kreboot in a transient unit).",
        shouldDisplay: false)

    @Option(name: .customLong("run-dir"), help: "The run directory kreboot prepared.")
    var runDirectory: String

    func run() throws {
        let status = ExecutorRun(directory: RunDirectory(path: runDirectory)).run()
        throw ExitCode(status)
    }
}
