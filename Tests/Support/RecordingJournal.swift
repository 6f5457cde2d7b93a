import Execution
import RebootPlan
import Quiesce
import KexecCore
import LinuxSystem
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
