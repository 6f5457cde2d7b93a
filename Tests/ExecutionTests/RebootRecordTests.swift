@testable import Execution
import Quiesce
@testable import KexecCore
import RebootPlan
import LinuxSystem
import KrebootTestSupport
import Foundation
import Testing

@Suite struct RebootRecordTests {
    let record = RebootRecord(fromBootID: "aaaa", fromRelease: "6.1.0-1", kernel: "/boot/vmlinuz-6.12.0-1",
                              expectedRelease: "6.12.0-1", expectedCommandLine: "root=/dev/nvme0n1 ro token=42")

    @Test func sameBootStaysPending() {
        #expect(record.verified(bootID: "aaaa", release: "6.1.0-1", commandLine: "x").state == .pending)
    }

    @Test func newBootWithPlannedKernelAndCommandLineIsVerified() {
        let v = record.verified(bootID: "bbbb", release: "6.12.0-1", commandLine: "root=/dev/nvme0n1  ro token=42\n")
        #expect(v.state == .verified)
    }

    @Test func newBootWithAnotherKernelIsAMismatch() {
        let v = record.verified(bootID: "bbbb", release: "6.1.0-1", commandLine: "root=/dev/nvme0n1 ro token=42")
        #expect(v.state == .mismatch)
        #expect(v.message?.contains("planned 6.12.0-1") == true)
    }

    @Test func aFailedRunMarksAPendingRecordRolledBack() throws {
        let path = NSTemporaryDirectory() + "kreboot-record-\(UUID().uuidString)/last-reboot.json"
        defer { try? FileManager.default.removeItem(atPath: (path as NSString).deletingLastPathComponent) }
        try record.write(path: path)
        RebootRecord.markRolledBack("umount /data: busy", path: path)
        let stored = try #require(RebootRecord.read(path: path))
        #expect(stored.state == .rolledBack)
        #expect(stored.message == "umount /data: busy")
        #expect(stored.verified(bootID: "bbbb", release: "6.12.0-1", commandLine: "x").state == .rolledBack)
    }

    @Test func roundTripsThroughItsFile() throws {
        let path = NSTemporaryDirectory() + "kreboot-record-\(UUID().uuidString)/last-reboot.json"
        defer { try? FileManager.default.removeItem(atPath: (path as NSString).deletingLastPathComponent) }
        try record.write(path: path)
        #expect(RebootRecord.read(path: path) == record)
    }
}
