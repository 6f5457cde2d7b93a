/// A journal that drops everything: the default when a caller does not want records.
public struct DiscardingJournal: JournalRecorder {
    /// A journal that keeps nothing.
    public init() {}
    /// Does nothing.
    public func record(_ record: JournalRecord) {}
}
