@testable import Quiesce
import LinuxSystem
import KrebootTestSupport
import Testing

@Suite struct JournalTests {
    @Test func messageIDsAreDistinct128BitHex() {
        let ids = JournalMessageID.allCases.map(\.rawValue)
        #expect(Set(ids).count == ids.count)
        #expect(ids.allSatisfy { $0.count == 32 && $0.allSatisfy(\.isHexDigit) && $0 == $0.lowercased() })
    }

    @Test func aRecordBecomesJournalFields() {
        let record = JournalRecord(.rolledBack, "kreboot: rolled back", priority: .error,
                                   fields: ["MOUNT_PATH": "/srv", "ERRNO": "16"])
        #expect(SystemdJournal().fields(of: record) == [
            "MESSAGE=kreboot: rolled back",
            "MESSAGE_ID=234d670dcac44ef38c62f005985b3aba",
            "PRIORITY=3",
            "SYSLOG_IDENTIFIER=kreboot",
            "ERRNO=16",
            "MOUNT_PATH=/srv",
        ])
    }
}
