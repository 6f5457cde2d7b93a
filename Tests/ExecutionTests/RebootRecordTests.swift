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

/// Records are read through the gateway: under a root, capped, never a FIFO or a symlink out of the tree.
@Suite struct RecordGatewayTests {
    @Test func recordsAreReadInsideTheRootAndCapped() throws {
        let dir = NSTemporaryDirectory() + "kreboot-records-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: dir + "/var/lib/kreboot", withIntermediateDirectories: true)
        let record = RebootRecord(fromBootID: "aaaa", fromRelease: nil, kernel: "/boot/vmlinuz", expectedRelease: nil,
                                  expectedCommandLine: "ro")
        try record.write(path: dir + RebootRecord.defaultPath)
        #expect(RebootRecord.read(root: RootDirectory(dir), path: RebootRecord.defaultPath) == record)
        // A symlink to the host's file resolves inside the tree, where there is none.
        try FileManager.default.removeItem(atPath: dir + RebootRecord.defaultPath)
        try FileManager.default.createSymbolicLink(atPath: dir + RebootRecord.defaultPath, withDestinationPath: "/etc/hostname")
        #expect(RebootRecord.read(root: RootDirectory(dir), path: RebootRecord.defaultPath) == nil)
        // A FIFO returns at once; an oversized file is not read.
        try FileManager.default.removeItem(atPath: dir + RebootRecord.defaultPath)
        #expect(mkfifo(dir + RebootRecord.defaultPath, 0o600) == 0)
        #expect(RebootRecord.read(root: RootDirectory(dir), path: RebootRecord.defaultPath) == nil)
        let state = KexecStateFile(path: dir + RebootRecord.defaultPath)
        #expect(state.read() == KexecState())
    }

    @Test func aRequestThatIsASymlinkIsRefused() throws {
        let dir = NSTemporaryDirectory() + "kreboot-run-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        FileManager.default.createFile(atPath: dir + "/elsewhere.json", contents: Data("{}".utf8))
        try FileManager.default.createSymbolicLink(atPath: dir + "/request.json", withDestinationPath: dir + "/elsewhere.json")
        let error = #expect(throws: SystemError.self) { _ = try RunDirectory(path: dir).readRequest() }
        #expect(error?.message == "\(dir)/request.json: is a symlink where a regular file is expected")
    }
}
