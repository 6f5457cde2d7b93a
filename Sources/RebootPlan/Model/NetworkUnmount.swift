import LinuxSystem

/// How a network file system's `unmount` step is carried out: before the isolate (while the network is still
/// up), in a child process bounded by `timeoutSeconds` (on timeout the run rolls back, naming the mount and the
/// server), and — when the preflight probe found the server dead and the user gave
/// `--detach-unreachable-network-mounts` — as a lazy detach instead (MNT_DETACH, plus MNT_FORCE for NFS).
/// In the plan JSON: the unmount step's `network` object.
public struct NetworkUnmount: Codable, Sendable, Equatable {
    /// The server the mount's source names (`10.0.9.1` of `10.0.9.1:/srv/nfs`).
    public var server: String
    /// How long the unmount may take before the run rolls back.
    public var timeoutSeconds: Double
    /// What the preflight probe found.
    public var probe: NetworkMountProbe.Outcome
    /// Detach lazily (umount2 MNT_DETACH) instead of unmounting: the server did not answer and the user allowed it.
    public var detach: Bool
    /// Add MNT_FORCE (NFS: abort the requests the dead server will never answer).
    public var force: Bool

    public init(server: String, timeoutSeconds: Double = NetworkUnmount.defaultTimeoutSeconds,
                probe: NetworkMountProbe.Outcome, detach: Bool = false, force: Bool = false) {
        self.server = server
        self.timeoutSeconds = timeoutSeconds
        self.probe = probe
        self.detach = detach
        self.force = force
    }

    /// Time for a network unmount to write back what the client still holds: 30 s.
    public static let defaultTimeoutSeconds: Double = 30

    /// File system types for which a detach adds MNT_FORCE (the NFS client aborts its outstanding requests).
    public static let forceTypes: Set<String> = ["nfs", "nfs4"]

    /// The time limit as a Duration.
    public var timeout: Duration { .milliseconds(Int64((timeoutSeconds * 1000).rounded())) }
}
