
/// How a subprocess ended: its exit status and what it wrote to the captured streams.
public struct SubprocessResult: Sendable, Equatable {
    /// The exit status; 128 + N when killed by signal N; 127 when it could not be started
    /// (see `SubprocessRunner.runReportingSpawnFailure`).
    public var status: Int32
    /// What the child wrote to stderr — and to stdout, when `SubprocessOptions.capturesStandardOutput` —
    /// interleaved, at most the last `SpawnSubprocessRunner.outputLimit` bytes.
    public var output: String
    /// Whether the child was killed because `SubprocessOptions.timeout` was up (`status` is then 137, or what
    /// the child ended with if it could still be reaped as it was killed).
    public var timedOut: Bool

    /// A result with this status and output.
    public init(status: Int32, output: String = "", timedOut: Bool = false) {
        self.status = status
        self.output = output
        self.timedOut = timedOut
    }

    /// The last meaningful output line: makedumpfile's reason when it fails (its closing
    /// "makedumpfile Failed." line skipped).
    public var lastLine: String? {
        let lines = output.split(whereSeparator: { $0 == "\n" || $0 == "\r" }).map { $0.trimmingWhitespace() }
            .filter { !$0.isEmpty }
        return lines.last { $0 != "makedumpfile Failed." } ?? lines.last
    }
}
