import Execution
import RebootPlan
import Synchronization

/// Fake run records: what `begin` and `rolledBack` were called with, and an injectable failure of `begin`.
/// For tests.
public final class RecordingRunRecords: RunRecords {
    /// One recorded call.
    public enum Call: Sendable, Equatable {
        case begin(RebootPlan)
        case rolledBack(RebootPlan, kdumpTestID: String?, reason: String)
    }

    /// What `begin` threw when told to fail.
    public struct Failure: Error, CustomStringConvertible {
        public var description: String
    }

    private struct State {
        var calls: [Call] = []
        var failure: String?
        var kdumpTestID: String?
    }

    private let state: Mutex<State>

    /// Records whose `begin` answers `kdumpTestID` for a kdump-test plan.
    public init(kdumpTestID: String? = "kt-0001") {
        state = Mutex(State(kdumpTestID: kdumpTestID))
    }

    /// Every call so far, in order.
    public var calls: [Call] { state.withLock { $0.calls } }

    /// Makes later `begin` calls throw, with `message`.
    public func failBegin(_ message: String) { state.withLock { $0.failure = message } }

    public func begin(_ plan: RebootPlan) throws -> String? {
        let (failure, id): (String?, String?) = state.withLock { s in
            s.calls.append(.begin(plan))
            return (s.failure, s.kdumpTestID)
        }
        if let failure { throw Failure(description: failure) }
        return plan.mode == .kdumpTest ? id : nil
    }

    public func rolledBack(_ plan: RebootPlan, kdumpTestID: String?, reason: String) {
        state.withLock { $0.calls.append(.rolledBack(plan, kdumpTestID: kdumpTestID, reason: reason)) }
    }
}

/// An interrupt source the test controls: counts `install()` calls; `interrupt()` asks the run to stop.
public final class ScriptedInterrupts: InterruptSource {
    private let state = Mutex<(installs: Int, interrupted: Bool)>((0, false))

    public init() {}

    /// How often `install()` was called.
    public var installs: Int { state.withLock { $0.installs } }

    /// From now on the run is asked to stop (as Ctrl-C would).
    public func interrupt() { state.withLock { $0.interrupted = true } }

    public func install() { state.withLock { $0.installs += 1 } }
    public var interrupted: Bool { state.withLock { $0.interrupted } }
}

/// A confirmer with a fixed answer that remembers the plans it was asked about. For tests.
public final class ScriptedConfirmer: Confirming {
    private let answer: ConfirmationAnswer
    private let asked = Mutex<[RebootPlan]>([])

    public init(_ answer: ConfirmationAnswer) { self.answer = answer }

    /// The plans asked about, in order.
    public var plans: [RebootPlan] { asked.withLock { $0 } }

    public func confirm(_ plan: RebootPlan) -> ConfirmationAnswer {
        asked.withLock { $0.append(plan) }
        return answer
    }
}

/// An observer that keeps every line it is shown. For tests.
public final class RecordingRunObserver: RunObserver {
    private let state = Mutex<(lines: [String], finishes: Int)>(([], 0))

    public init() {}

    /// Every line shown, in order.
    public var lines: [String] { state.withLock { $0.lines } }

    public func show(_ line: String) { state.withLock { $0.lines.append(line) } }
    public func finish() { state.withLock { $0.finishes += 1 } }
}
