import LinuxSystem
internal import CSystemd
import Glibc

/// Writes records to journald with sd_journal_sendv(3), tagged `SYSLOG_IDENTIFIER=kreboot`.
public struct SystemdJournal: JournalRecorder {
    /// The SYSLOG_IDENTIFIER of every record.
    public var identifier: String

    /// A journal writer tagging records with `identifier`.
    public init(identifier: String = "kreboot") {
        self.identifier = identifier
    }

    /// Sends `record` as MESSAGE=, MESSAGE_ID=, PRIORITY=, SYSLOG_IDENTIFIER= and its fields.
    /// Errors (no journald) are ignored. The corresponding C function is `sd_journal_sendv`.
    public func record(_ record: JournalRecord) {
        let lines = fields(of: record)
        // All fields in one buffer, so one pointer stays valid while the iovecs point into it.
        let bytes = lines.flatMap { Array($0.utf8) }
        bytes.withUnsafeBytes { buffer in
            var offset = 0
            let iovecs = lines.map { line in
                let length = line.utf8.count
                defer { offset += length }
                return iovec(iov_base: UnsafeMutableRawPointer(mutating: buffer.baseAddress! + offset), iov_len: length)
            }
            _ = iovecs.withUnsafeBufferPointer { sd_journal_sendv($0.baseAddress, Int32($0.count)) }
        }
    }

    /// The `NAME=value` fields sent for `record`: MESSAGE, MESSAGE_ID, PRIORITY, SYSLOG_IDENTIFIER, then its own, sorted.
    func fields(of record: JournalRecord) -> [String] {
        [
            "MESSAGE=\(record.message)",
            "MESSAGE_ID=\(record.id.rawValue)",
            "PRIORITY=\(record.priority.rawValue)",
            "SYSLOG_IDENTIFIER=\(identifier)",
        ] + record.fields.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }
    }
}
