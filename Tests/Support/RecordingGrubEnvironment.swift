import Execution
import RebootPlan
import Quiesce
import KexecCore
import LinuxSystem
import Synchronization

/// A fake grubenv editor: variables per file in memory, every call recorded, optionally failing. For tests.
public final class RecordingGrubEnvironment: GrubEnvironmentEditing {
    /// One recorded call.
    public struct Call: Sendable, Equatable {
        public var name: String
        public var value: String
        public var file: String

        public init(name: String, value: String, file: String) {
            self.name = name
            self.value = value
            self.file = file
        }
    }

    private struct State {
        var files: [String: [String: String]]
        var calls: [Call] = []
        var failure: RunError?
    }

    private let state: Mutex<State>

    /// A fake whose files start with `files` (file → variables).
    public init(files: [String: [String: String]] = [:]) {
        state = Mutex(State(files: files))
    }

    /// Every call so far, in order.
    public var calls: [Call] { state.withLock { $0.calls } }

    /// The variables of `file` now.
    public func variables(of file: String) -> [String: String] { state.withLock { $0.files[file] ?? [:] } }

    /// Makes later calls throw `error`.
    public func fail(with error: RunError) { state.withLock { $0.failure = error } }

    public func set(_ name: String, to value: String, in file: String) throws(RunError) -> String? {
        let result: Result<String?, RunError> = state.withLock { s in
            s.calls.append(Call(name: name, value: value, file: file))
            if let failure = s.failure { return .failure(failure) }
            let previous = s.files[file]?[name]
            s.files[file, default: [:]][name] = value
            return .success(previous)
        }
        return try result.get()
    }
}
