/// Runs a program from an argv array, never through a shell. Behind a protocol so tests record the argv.
public protocol SubprocessRunner: Sendable {
    /// Runs `argv[0]` (an absolute path) with `argv` as `options` say, waits for it and returns its status
    /// and captured output. Throws (operation "spawn") when it cannot be started.
    func run(_ argv: [String], options: SubprocessOptions) throws(SystemError) -> SubprocessResult
}

extension SubprocessRunner {
    /// `run`, but a program that cannot be started is reported as a shell does: status 127, the reason as output.
    public func runReportingSpawnFailure(_ argv: [String], options: SubprocessOptions = SubprocessOptions()) -> SubprocessResult {
        do {
            return try run(argv, options: options)
        } catch {
            return SubprocessResult(status: 127, output: error.message)
        }
    }
}
