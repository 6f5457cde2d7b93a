import Quiesce
import Synchronization

/// A fake of swapoff/swapon: records every call, keeps the set of active areas, and can be told to fail an
/// operation, optionally for one path. For tests.
public final class RecordingSwapOperations: SwapOperations {
    /// The operations that can be made to fail.
    public enum Operation: String, Sendable, CaseIterable {
        case swapOff, swapOn
    }

    /// One recorded call.
    public enum Call: Sendable, Equatable {
        case swapOff(String)
        case swapOn(String)
    }

    private struct State {
        var calls: [Call] = []
        var failures: [String: QuiesceError] = [:]
        var active: [String]
    }

    private let state: Mutex<State>

    /// A fake whose active swap areas are `active` (paths).
    public init(active: [String] = []) {
        state = Mutex(State(active: active))
    }

    /// Every call so far, in order.
    public var calls: [Call] { state.withLock { $0.calls } }

    /// The swap areas on now, in the order they were turned on.
    public var active: [String] { state.withLock { $0.active } }

    /// Makes later calls of `operation` throw `error`; with `path`, only calls for that path.
    public func fail(_ operation: Operation, path: String? = nil, with error: QuiesceError) {
        state.withLock { $0.failures[path.map { "\(operation.rawValue) \($0)" } ?? operation.rawValue] = error }
    }

    private func record(_ call: Call, _ operation: Operation, path: String, change: (inout [String]) -> Void) throws(QuiesceError) {
        let failure: QuiesceError? = state.withLock { s in
            s.calls.append(call)
            if let failure = s.failures["\(operation.rawValue) \(path)"] ?? s.failures[operation.rawValue] { return failure }
            change(&s.active)
            return nil
        }
        if let failure { throw failure }
    }

    /// Records the call and drops `path` from the active areas.
    public func swapOff(path: String) throws(QuiesceError) {
        try record(.swapOff(path), .swapOff, path: path) { $0.removeAll { $0 == path } }
    }

    /// Records the call and adds `path` to the active areas.
    public func swapOn(path: String) throws(QuiesceError) {
        try record(.swapOn(path), .swapOn, path: path) { if !$0.contains(path) { $0.append(path) } }
    }
}
