/// What the preflight probe found for one network mount: whether its server answered a look at the mount point
/// (statfs and stat, in a child process, bounded in time) before anything is stopped.
public struct NetworkMountProbe: Codable, Sendable, Equatable {
    /// The probe's verdict.
    public enum Outcome: String, Codable, Sendable {
        /// The mount point answered.
        case reachable
        /// No answer within the timeout (the child was killed): a dead or unreachable server.
        case unreachable
        /// The look failed at once with an error (EIO, ESTALE, ETIMEDOUT from a soft mount, …).
        case failed
        /// Not probed: planning for another root, or no probe available.
        case notProbed
    }

    /// The mount point (target path).
    public var path: String
    /// The server the mount's source names (`10.0.9.1` of `10.0.9.1:/srv/nfs`).
    public var server: String
    public var outcome: Outcome
    /// How long the probe took, in seconds (the timeout when it expired).
    public var seconds: Double
    /// What the probe said: the error, or why it was not made.
    public var detail: String

    public init(path: String, server: String, outcome: Outcome, seconds: Double = 0, detail: String = "") {
        self.path = path
        self.server = server
        self.outcome = outcome
        self.seconds = seconds
        self.detail = detail
    }

    /// Whether the server did not answer (unreachable or failed): the mount cannot be unmounted normally.
    public var isDead: Bool { outcome == .unreachable || outcome == .failed }
}

/// Looks at network mount points without ever hanging the caller: the real one (`ChildProcessMountProbe`)
/// does it in a child process that is killed when its time is up; tests pass a fake.
public protocol NetworkMountProbing: Sendable {
    /// Probes the mount point of `mount` (a network file system).
    func probe(_ mount: MountEntry) -> NetworkMountProbe
}
