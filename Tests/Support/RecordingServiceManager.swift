import Execution
import Quiesce
import KexecCore
import LinuxSystem
import RebootPlan
import Synchronization

/// A fake service manager that records every call, answers from canned values, and can be told to fail
/// an operation (optionally only for one unit). For tests, including the CLI's.
public final class RecordingServiceManager: ServiceManager {
    /// The operations that can be made to fail.
    public enum Operation: String, Sendable, CaseIterable {
        case isolate, enqueueStart, defaultTarget, sessions, inhibitors, moveIntoTransientScope, relinquishJournal, flushJournal
    }

    /// One recorded call.
    public enum Call: Sendable, Equatable {
        case isolate(String)
        case enqueueStart(unit: String, mode: String)
        case defaultTarget
        case sessions
        case inhibitors
        case moveIntoTransientScope(name: String, pid: Int32, properties: [UnitProperty])
        case relinquishJournal
        case flushJournal
    }

    private struct State {
        var calls: [Call] = []
        var failures: [String: QuiesceError] = [:]
        var defaultTarget: String
        var sessions: [LoginSession]
        var inhibitors: [Inhibitor]
    }

    private let state: Mutex<State>

    /// A fake whose default target, sessions and inhibitors are the given ones.
    public init(defaultTarget: String = "graphical.target", sessions: [LoginSession] = [], inhibitors: [Inhibitor] = []) {
        state = Mutex(State(defaultTarget: defaultTarget, sessions: sessions, inhibitors: inhibitors))
    }

    /// Every call so far, in order.
    public var calls: [Call] { state.withLock { $0.calls } }

    /// Makes later `inhibitors()` calls answer `inhibitors`.
    public func setInhibitors(_ inhibitors: [Inhibitor]) { state.withLock { $0.inhibitors = inhibitors } }

    /// Makes later calls of `operation` throw `error`; with `unit`, only calls for that unit (isolate, start).
    public func fail(_ operation: Operation, unit: String? = nil, with error: QuiesceError) {
        state.withLock { $0.failures[Self.key(operation, unit)] = error }
    }

    private static func key(_ operation: Operation, _ unit: String?) -> String {
        unit.map { "\(operation.rawValue) \($0)" } ?? operation.rawValue
    }

    private func record(_ call: Call, _ operation: Operation, unit: String? = nil) throws(QuiesceError) {
        let failure: QuiesceError? = state.withLock { s in
            s.calls.append(call)
            return unit.flatMap { s.failures[Self.key(operation, $0)] } ?? s.failures[operation.rawValue]
        }
        if let failure { throw failure }
    }

    /// Records the isolate; throws an injected failure.
    public func isolate(unit: String) throws(QuiesceError) { try record(.isolate(unit), .isolate, unit: unit) }

    /// Records the start; throws an injected failure.
    public func enqueueStart(unit: String, mode: String) throws(QuiesceError) {
        try record(.enqueueStart(unit: unit, mode: mode), .enqueueStart, unit: unit)
    }

    /// Records the call and answers the canned default target.
    public func defaultTarget() throws(QuiesceError) -> String {
        try record(.defaultTarget, .defaultTarget)
        return state.withLock { $0.defaultTarget }
    }

    /// Records the call and answers the canned sessions.
    public func sessions() throws(QuiesceError) -> [LoginSession] {
        try record(.sessions, .sessions)
        return state.withLock { $0.sessions }
    }

    /// Records the call and answers the canned inhibitors.
    public func inhibitors() throws(QuiesceError) -> [Inhibitor] {
        try record(.inhibitors, .inhibitors)
        return state.withLock { $0.inhibitors }
    }

    /// Records the move with its process and properties.
    public func moveIntoTransientScope(name: String, pid: Int32, properties: [UnitProperty]) throws(QuiesceError) {
        try record(.moveIntoTransientScope(name: name, pid: pid, properties: properties), .moveIntoTransientScope, unit: name)
    }

    /// Records the call.
    public func relinquishJournal() throws(QuiesceError) { try record(.relinquishJournal, .relinquishJournal) }

    /// Records the call.
    public func flushJournal() throws(QuiesceError) { try record(.flushJournal, .flushJournal) }
}
