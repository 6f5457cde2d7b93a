import LinuxSystem
/// One journal record: a message with a stable MESSAGE_ID, a syslog priority, and extra fields.
public struct JournalRecord: Sendable, Equatable {
    /// Syslog priorities (PRIORITY=).
    public enum Priority: Int, Sendable {
        case error = 3, warning = 4, notice = 5, info = 6, debug = 7
    }

    public var id: JournalMessageID
    public var message: String
    public var priority: Priority
    /// Extra fields, upper-case names as the journal wants them (`STEP`, `MOUNT_PATH`, `ERRNO` …).
    public var fields: [String: String]

    public init(_ id: JournalMessageID, _ message: String, priority: Priority = .info, fields: [String: String] = [:]) {
        self.id = id
        self.message = message
        self.priority = priority
        self.fields = fields
    }
}

/// Writes records to the system journal. `SystemdJournal` is the real one; `RecordingJournal` stands in tests.
public protocol JournalRecorder: Sendable {
    /// Records `record`. Never throws: a journal that cannot be written must not stop a reboot.
    func record(_ record: JournalRecord)
}
