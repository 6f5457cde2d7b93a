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
    /// `--detach-unreachable-network-mounts`: a network mount whose server did not answer the preflight probe is
    /// detached lazily (MNT_DETACH, MNT_FORCE for NFS) instead of refusing the run (the `network-mounts` check warns).
    public var detachUnreachableNetworkMounts: Bool

    public init(strategy: QuiesceStrategy = .kreboot, ignoreSessions: Bool = false, ignoreInhibitors: Bool = false,
                busyRetry: BusyRetry = .standard, detachUnreachableNetworkMounts: Bool = false) {
        self.strategy = strategy
        self.ignoreSessions = ignoreSessions
        self.ignoreInhibitors = ignoreInhibitors
        self.busyRetry = busyRetry
        self.detachUnreachableNetworkMounts = detachUnreachableNetworkMounts
    }

    private enum Key: String, CodingKey {
        case strategy, ignoreSessions, ignoreInhibitors, busyRetry, detachUnreachableNetworkMounts
    }

    /// Decodes a policy; `busyRetry` and `detachUnreachableNetworkMounts` may be absent (plans written before them).
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: Key.self)
        self.init(strategy: try c.decode(QuiesceStrategy.self, forKey: .strategy),
                  ignoreSessions: try c.decode(Bool.self, forKey: .ignoreSessions),
                  ignoreInhibitors: try c.decode(Bool.self, forKey: .ignoreInhibitors),
                  busyRetry: try c.decodeIfPresent(BusyRetry.self, forKey: .busyRetry) ?? .standard,
                  detachUnreachableNetworkMounts: try c.decodeIfPresent(Bool.self, forKey: .detachUnreachableNetworkMounts) ?? false)
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: Key.self)
        try c.encode(strategy, forKey: .strategy)
        try c.encode(ignoreSessions, forKey: .ignoreSessions)
        try c.encode(ignoreInhibitors, forKey: .ignoreInhibitors)
        try c.encode(busyRetry, forKey: .busyRetry)
        try c.encode(detachUnreachableNetworkMounts, forKey: .detachUnreachableNetworkMounts)
    }
}
