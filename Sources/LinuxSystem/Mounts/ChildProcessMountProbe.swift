/// The real `NetworkMountProbing`: runs `HELPER __probe-mount PATH` (kreboot itself: statfs(2) and stat(2) of
/// the mount point) through a `SubprocessRunner` with a timeout. A server that does not answer blocks the child
/// in the kernel, not kreboot: when the time is up the child is killed (SIGKILL) and the mount is `unreachable`.
public struct ChildProcessMountProbe: NetworkMountProbing {
    /// How long a probe may take by default: an answering server replies in milliseconds.
    public static let defaultTimeout: Duration = .seconds(5)
    /// The program run as `[helper, "__probe-mount", path]`: by default this executable (/proc/self/exe).
    public var helper: String
    public var runner: any SubprocessRunner
    public var timeout: Duration

    public init(helper: String = "/proc/self/exe", runner: any SubprocessRunner = SpawnSubprocessRunner(),
                timeout: Duration = ChildProcessMountProbe.defaultTimeout) {
        self.helper = helper
        self.runner = runner
        self.timeout = timeout
    }

    public func probe(_ mount: MountEntry) -> NetworkMountProbe {
        let started = ContinuousClock.now
        let result = runner.runReportingSpawnFailure([helper, "__probe-mount", mount.target],
                                                     options: SubprocessOptions(timeout: timeout))
        let seconds = Self.seconds(ContinuousClock.now - started)
        let server = mount.networkServer
        if result.timedOut {
            return NetworkMountProbe(path: mount.target, server: server, outcome: .unreachable, seconds: Self.seconds(timeout),
                                     detail: "no answer within \(Self.seconds(timeout).formattedSeconds) s")
        }
        if result.status == 0 {
            return NetworkMountProbe(path: mount.target, server: server, outcome: .reachable, seconds: seconds)
        }
        let reason = result.lastLine ?? "exit status \(result.status)"
        return NetworkMountProbe(path: mount.target, server: server, outcome: .failed, seconds: seconds, detail: reason)
    }

    static func seconds(_ duration: Duration) -> Double {
        let (s, atto) = duration.components
        return Double(s) + Double(atto) / 1e18
    }
}

extension Double {
    /// Seconds as people read them: `5`, `0.02`.
    var formattedSeconds: String {
        self == rounded() ? String(Int(self)) : String((self * 100).rounded() / 100)
    }
}
