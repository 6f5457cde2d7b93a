import Execution
import RebootPlan
import Quiesce
import KexecCore
import LinuxSystem
import Synchronization

/// A fake loader that records every call and can be told to fail one operation. For tests.
public final class RecordingKexecLoader: KexecLoader {
    /// One recorded call.
    public enum Call: Sendable, Equatable {
        case load(KexecImage, crash: Bool)
        case unload(crash: Bool)
        case exec
        case panic
    }

    private let state = Mutex<(calls: [Call], failures: [String: KexecError])>(([], [:]))

    public init() {}

    /// Every call so far, in order.
    public var calls: [Call] { state.withLock { $0.calls } }

    /// Makes the next calls of `operation` (`load`, `crash load`, `unload`, `exec`, `panic`) throw `error`.
    public func fail(_ operation: String, with error: KexecError) {
        state.withLock { $0.failures[operation] = error }
    }

    private func record(_ call: Call, operation: String) throws(KexecError) {
        let failure: KexecError? = state.withLock { s in
            s.calls.append(call)
            return s.failures[operation]
        }
        if let failure { throw failure }
    }

    public func load(_ image: KexecImage, crash: Bool) throws(KexecError) {
        try record(.load(image, crash: crash), operation: crash ? "crash load" : "load")
    }
    public func unload(crash: Bool) throws(KexecError) { try record(.unload(crash: crash), operation: "unload") }
    public func exec() throws(KexecError) { try record(.exec, operation: "exec") }
    public func panic() throws(KexecError) { try record(.panic, operation: "panic") }
}
