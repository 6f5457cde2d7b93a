import Execution
import Quiesce
import KexecCore
import LinuxSystem
import RebootPlan
import Synchronization

/// A fake that records every mount operation, keeps a simulated mount table (unmount removes an entry,
/// mounting again appends it, remounts flip it between `ro` and `rw`), and can be told to fail an operation,
/// optionally on one path.
/// For tests, including the CLI's.
public final class RecordingMountOperations: MountOperations, MountRestoring {
    /// The operations that can be made to fail.
    public enum Operation: String, Sendable, CaseIterable {
        case unmount, remountReadOnly, remountReadWrite, sync, writers, readWriteLocalMounts, mountAgain
    }

    /// One recorded call.
    public enum Call: Sendable, Equatable {
        case unmount(String)
        case remountReadOnly(String)
        case remountReadWrite(String)
        case sync(String?)
        case writers(String)
        case readWriteLocalMounts
        /// A rollback's mount of what was unmounted, with the entry recorded before the unmount.
        case mountAgain(MountEntry)
    }

    private struct State {
        var calls: [Call] = []
        var failures: [String: QuiesceError] = [:]
        var failuresLeft: [String: Int] = [:]
        var mounts: [MountEntry]
        var writers: [String: [MountWriter]]
    }

    private let state: Mutex<State>

    /// A fake whose mount table starts as `mounts` and whose `writers(of:)` answers from `writers` (by path).
    public init(mounts: [MountEntry] = [], writers: [String: [MountWriter]] = [:]) {
        state = Mutex(State(mounts: mounts, writers: writers))
    }

    /// Every call so far, in order.
    public var calls: [Call] { state.withLock { $0.calls } }

    /// The simulated mount table now.
    public var mounts: [MountEntry] { state.withLock { $0.mounts } }

    /// Makes later calls of `operation` throw `error`; with `path`, only calls for that path; with `times`,
    /// only that many calls (the ones after succeed).
    public func fail(_ operation: Operation, path: String? = nil, with error: QuiesceError, times: Int? = nil) {
        state.withLock { s in
            let key = Self.key(operation, path)
            s.failures[key] = error
            s.failuresLeft[key] = times
        }
    }

    private static func key(_ operation: Operation, _ path: String?) -> String {
        path.map { "\(operation.rawValue) \($0)" } ?? operation.rawValue
    }

    private func record(_ call: Call, _ operation: Operation, path: String? = nil,
                        change: (inout [MountEntry]) -> Void = { _ in }) throws(QuiesceError) {
        let failure: QuiesceError? = state.withLock { s in
            s.calls.append(call)
            let pathKey = path.map { Self.key(operation, $0) }
            guard let key = [pathKey, operation.rawValue].compactMap({ $0 }).first(where: { s.failures[$0] != nil }),
                  let failure = s.failures[key] else {
                change(&s.mounts)
                return nil
            }
            if let left = s.failuresLeft[key] {
                if left <= 1 { s.failures[key] = nil; s.failuresLeft[key] = nil } else { s.failuresLeft[key] = left - 1 }
            }
            return failure
        }
        if let failure { throw failure }
    }

    private static func setOption(_ option: String, at path: String, in mounts: inout [MountEntry]) {
        for index in mounts.indices where mounts[index].target == path {
            var options = mounts[index].vfsOptions.split(separator: ",").map(String.init).filter { $0 != "ro" && $0 != "rw" }
            options.insert(option, at: 0)
            mounts[index].vfsOptions = options.joined(separator: ",")
            if !mounts[index].fsOptions.isEmpty {
                var fsOptions = mounts[index].fsOptions.split(separator: ",").map(String.init).filter { $0 != "ro" && $0 != "rw" }
                fsOptions.insert(option, at: 0)
                mounts[index].fsOptions = fsOptions.joined(separator: ",")
            }
        }
    }

    /// Records the unmount and removes the entry from the simulated table.
    public func unmount(path: String) throws(QuiesceError) {
        try record(.unmount(path), .unmount, path: path) { mounts in
            if let last = mounts.lastIndex(where: { $0.target == path }) { mounts.remove(at: last) }
        }
    }

    /// Records the remount and marks the simulated entry `ro`.
    public func remountReadOnly(path: String) throws(QuiesceError) {
        try record(.remountReadOnly(path), .remountReadOnly, path: path) { Self.setOption("ro", at: path, in: &$0) }
    }

    /// Records the remount and marks the simulated entry `rw`.
    public func remountReadWrite(path: String) throws(QuiesceError) {
        try record(.remountReadWrite(path), .remountReadWrite, path: path) { Self.setOption("rw", at: path, in: &$0) }
    }

    /// Records the sync.
    public func sync(path: String?) throws(QuiesceError) { try record(.sync(path), .sync, path: path) }

    /// Records the call and answers the canned writers of `path`.
    public func writers(of path: String) throws(QuiesceError) -> [MountWriter] {
        try record(.writers(path), .writers, path: path)
        return state.withLock { $0.writers[path] ?? [] }
    }

    /// Records the call and answers the local read-write entries of the simulated table.
    public func readWriteLocalMounts() throws(QuiesceError) -> [MountEntry] {
        try record(.readWriteLocalMounts, .readWriteLocalMounts)
        return state.withLock { $0.mounts.filter(\.isLocalReadWrite) }
    }

    /// Records the mount and appends `entry` to the simulated table (a failure, injected for the entry's
    /// target, leaves the table as it was).
    public func mountAgain(_ entry: MountEntry) throws(QuiesceError) {
        try record(.mountAgain(entry), .mountAgain, path: entry.target) { $0.append(entry) }
    }
}
