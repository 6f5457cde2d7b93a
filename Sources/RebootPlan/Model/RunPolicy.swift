/// What a run may override and how it retries: everything the executor obeys besides the steps, decided when
/// the plan is made and carried in it, so a dry run shows it.
public struct RunPolicy: Codable, Sendable, Equatable {
    /// Who quiesces after the load.
    public var strategy: QuiesceStrategy
    /// `--ignore-sessions`: other users' login sessions do not stop the run (the `sessions` check warns).
    public var ignoreSessions: Bool
    /// `--ignore-inhibitors`: logind's shutdown inhibitor locks do not stop the run.
    public var ignoreInhibitors: Bool
    /// How a remount read-only refused as busy is retried. The read-write-mount guard before exec and panic
    /// has no override.
    public var busyRetry: BusyRetry

    public init(strategy: QuiesceStrategy = .kreboot, ignoreSessions: Bool = false, ignoreInhibitors: Bool = false,
                busyRetry: BusyRetry = .standard) {
        self.strategy = strategy
        self.ignoreSessions = ignoreSessions
        self.ignoreInhibitors = ignoreInhibitors
        self.busyRetry = busyRetry
    }
}
