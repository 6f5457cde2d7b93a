import Synchronization

/// A journal that keeps records in memory. For tests.
public final class RecordingJournal: JournalRecorder {
    private let state = Mutex<[JournalRecord]>([])

    /// An empty journal.
    public init() {}

    /// Every record so far, in order.
    public var records: [JournalRecord] { state.withLock { $0 } }

    /// Keeps `record`.
    public func record(_ record: JournalRecord) { state.withLock { $0.append(record) } }
}

/// A journal that drops everything: the default when a caller does not want records.
public struct DiscardingJournal: JournalRecorder {
    /// A journal that keeps nothing.
    public init() {}
    /// Does nothing.
    public func record(_ record: JournalRecord) {}
}
