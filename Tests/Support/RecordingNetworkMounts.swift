import Quiesce
import LinuxSystem
import Synchronization

/// A fake `NetworkMountOperations` that records every call and can be told to fail one operation on one path,
/// e.g. with `.timedOut` as the real one throws when a server does not answer. For tests.
public final class RecordingNetworkMounts: NetworkMountOperations {
    /// One recorded call.
    public struct Call: Sendable, Equatable {
        public var operation: NetworkMountOperation
        public var path: String
        public var server: String
        public var detach: Bool
        public var force: Bool
        public var timeout: Duration

        public init(_ operation: NetworkMountOperation, _ path: String, server: String, detach: Bool = false,
                    force: Bool = false, timeout: Duration) {
            self.operation = operation
            self.path = path
            self.server = server
            self.detach = detach
            self.force = force
            self.timeout = timeout
        }
    }

    private let state = Mutex<(calls: [Call], failures: [String: QuiesceError])>(([], [:]))

    public init() {}

    /// Every call so far, in order.
    public var calls: [Call] { state.withLock { $0.calls } }

    /// Makes later calls of `operation` on `path` throw `error`.
    public func fail(_ operation: NetworkMountOperation, path: String, with error: QuiesceError) {
        state.withLock { $0.failures["\(operation.rawValue) \(path)"] = error }
    }

    private func record(_ call: Call) throws(QuiesceError) {
        let failure = state.withLock { s -> QuiesceError? in
            s.calls.append(call)
            return s.failures["\(call.operation.rawValue) \(call.path)"]
        }
        if let failure { throw failure }
    }

    public func unmount(_ mount: MountEntry, server: String, detach: Bool, force: Bool, timeout: Duration) throws(QuiesceError) {
        try record(Call(.unmount, mount.target, server: server, detach: detach, force: force, timeout: timeout))
    }

    public func remountReadOnly(_ mount: MountEntry, server: String, timeout: Duration) throws(QuiesceError) {
        try record(Call(.remountReadOnly, mount.target, server: server, timeout: timeout))
    }

    public func remountReadWrite(_ mount: MountEntry, server: String, timeout: Duration) throws(QuiesceError) {
        try record(Call(.remountReadWrite, mount.target, server: server, timeout: timeout))
    }

    public func mountAgain(_ mount: MountEntry, server: String, timeout: Duration) throws(QuiesceError) {
        try record(Call(.mountAgain, mount.target, server: server, timeout: timeout))
    }
}

/// A fake `NetworkMountProbing` that answers each mount point from a table (reachable when not listed) and
/// records what it was asked. For tests.
public final class ScriptedMountProbe: NetworkMountProbing {
    private let answers: [String: NetworkMountProbe.Outcome]
    private let asked = Mutex<[String]>([])

    /// Answers `answers[path]` for each mount point (reachable for the others).
    public init(_ answers: [String: NetworkMountProbe.Outcome] = [:]) {
        self.answers = answers
    }

    /// The mount points probed so far, in order.
    public var probed: [String] { asked.withLock { $0 } }

    public func probe(_ mount: MountEntry) -> NetworkMountProbe {
        asked.withLock { $0.append(mount.target) }
        let outcome = answers[mount.target] ?? .reachable
        return NetworkMountProbe(path: mount.target, server: mount.networkServer, outcome: outcome,
                                 seconds: outcome == .unreachable ? 5 : 0.01,
                                 detail: outcome == .unreachable ? "no answer within 5 s" : "")
    }
}
