@testable import Kdump
@testable import KexecCore
import RebootPlan
import LinuxSystem
import KrebootTestSupport
import Foundation
import Testing

@Suite struct KdumpTestRecordTests {
    @Test func writesAndReadsBackAtAnInjectedPath() throws {
        let path = KdumpFixtures.temporaryDirectory() + "/var/lib/kreboot/kdump-test.json"
        let record = KdumpTestRecord.pending(release: "6.1.0-28-amd64", now: Date(timeIntervalSince1970: 1_732_632_000))
        try record.write(path: path)
        let back = try #require(try KdumpTestRecord.read(path: path))
        #expect(back == record)
        #expect(back.state == .pending)
        #expect(back.time == "2024-11-26T14:40:00Z")
        #expect(back.id.count == 36)
        #expect(!FileManager.default.fileExists(atPath: path + ".incomplete"))
    }

    @Test func missingRecordIsNilCorruptIsAnError() throws {
        let dir = KdumpFixtures.temporaryDirectory()
        #expect(try KdumpTestRecord.read(path: dir + "/none.json") == nil)
        KdumpFixtures.write(Array("{not json".utf8), to: dir + "/bad.json")
        do {
            _ = try KdumpTestRecord.read(path: dir + "/bad.json")
            Issue.record("accepted a corrupt record")
        } catch {
            #expect(error.code == .badImage)
            #expect(error.message.contains(dir + "/bad.json"))
        }
    }

    func dump(testID: String?, readable: Bool, complete: Bool = true) -> SavedDump {
        SavedDump(directory: "/var/crash/d", vmcore: "/var/crash/d/vmcore", dmesg: nil, savedByKreboot: true,
                  savedAt: "2026-11-26T15:00:00Z", testID: testID, complete: complete,
                  info: readable ? VmcoreInfo(path: "/var/crash/d/vmcore", format: .kdumpCompressed, sizeBytes: 10) : nil,
                  problem: readable ? nil : "/var/crash/d/vmcore: not a kernel dump")
    }

    @Test func resolvesToSucceededOnlyWithAReadableDumpOfThisTest() {
        let record = KdumpTestRecord(id: "t1", time: "2026-11-26T14:59:00Z", release: "6.1.0")
        #expect(record.resolved(with: [dump(testID: "t1", readable: true)]).state == .succeeded)
        #expect(record.resolved(with: [dump(testID: "t1", readable: true)]).dumpPath == "/var/crash/d")
        #expect(record.resolved(with: [dump(testID: "other", readable: true)]).state == .failed)
        #expect(record.resolved(with: [dump(testID: "t1", readable: false)]).state == .failed)
        #expect(record.resolved(with: [dump(testID: "t1", readable: true, complete: false)]).state == .failed)
        #expect(record.resolved(with: []).message == "no dump carries test id t1 and no dump was saved since the test")
        var done = record
        done.state = .failed
        #expect(done.resolved(with: [dump(testID: "t1", readable: true)]).state == .failed)
    }
}

/// A test verified beside another kdump service: the dump that service saved, found by time and by the marker
/// the executor wrote to the kernel log.
@Suite struct KdumpTestRecordMarkerTests {
    static let record = KdumpTestRecord(id: "5b0c", time: "2026-11-26T15:00:00Z", release: "6.1.0",
                                        savedBy: "kdump-tools", saveDirectory: "/var/crash")

    func foreign(_ directory: String, savedAt: String, readable: Bool = true) -> SavedDump {
        var info = VmcoreInfo(path: directory + "/dump.x", format: .kdumpCompressed, sizeBytes: 10)
        info.release = "6.1.0"
        var dump = SavedDump(directory: directory, vmcore: directory + "/dump.x", dmesg: directory + "/dmesg.x",
                             savedByKreboot: false, savedAt: savedAt, testID: nil, complete: true,
                             info: readable ? info : nil, problem: readable ? nil : "not a kernel dump")
        dump.savedBy = "kdump-tools"
        return dump
    }

    @Test func theMarkerLineNamesTheTest() {
        #expect(KdumpTestRecord.marker(id: "5b0c") == "kreboot: kdump test 5b0c: crashing the kernel on purpose")
        #expect(Self.record.marker.contains(Self.record.id))
    }

    @Test func aNewDumpWhoseKernelLogHoldsTheMarkerProvesTheTest() {
        let old = foreign("/var/crash/202611251200", savedAt: "2026-11-25T12:00:00Z")
        let new = foreign("/var/crash/202611261501", savedAt: "2026-11-26T15:01:30Z")
        let logs = [old.directory: "kreboot: kdump test 5b0c: crashing", new.directory: "[ 9.1] " + Self.record.marker]
        let resolved = Self.record.resolved(with: [new, old], kernelLog: { logs[$0.directory] })
        #expect(resolved.state == .succeeded)
        #expect(resolved.dumpPath == new.directory)
        #expect(resolved.message == "dump /var/crash/202611261501/dump.x is readable (kernel 6.1.0) (saved by kdump-tools, "
            + "the test's marker in /var/crash/202611261501/dmesg.x)")
    }

    @Test func anOldDumpWithTheMarkerDoesNotCount() {
        // Dated well before the test: not this test's even if its log mentions the id.
        let old = foreign("/var/crash/202611251200", savedAt: "2026-11-25T12:00:00Z")
        let resolved = Self.record.resolved(with: [old], kernelLog: { _ in Self.record.marker })
        #expect(resolved.state == .failed)
        #expect(resolved.message == "no dump carries test id 5b0c and no dump was saved in /var/crash (kdump-tools) since the test")
    }

    @Test func aNewDumpWithoutTheMarkerFailsSayingSo() {
        let new = foreign("/var/crash/202611261501", savedAt: "2026-11-26T15:01:30Z")
        let resolved = Self.record.resolved(with: [new], kernelLog: { _ in "some other crash" })
        #expect(resolved.state == .failed)
        #expect(resolved.message == "1 dump(s) saved in /var/crash since the test, none with the test's marker in its kernel log: "
            + "/var/crash/202611261501/dmesg.x")
    }

    @Test func anUnreadableDumpWithTheMarkerFails() {
        let new = foreign("/var/crash/202611261501", savedAt: "2026-11-26T15:01:30Z", readable: false)
        let resolved = Self.record.resolved(with: [new], kernelLog: { _ in Self.record.marker })
        #expect(resolved.state == .failed)
        #expect(resolved.dumpPath == new.directory)
        #expect(resolved.message == "dump /var/crash/202611261501 is not readable: not a kernel dump")
    }

    @Test func searchesTheSaversDirectoryAndKrebootsOnce() {
        #expect(Self.record.searchDirectories(krebootSaveDir: "/data") == ["/var/crash", "/data"])
        #expect(Self.record.searchDirectories(krebootSaveDir: "/var/crash") == ["/var/crash"])
    }

    @Test func aKdumpToolsDumpOnDiskIsFoundThroughItsDmesgFile() throws {
        let dir = KdumpFixtures.temporaryDirectory()
        let path = dir + "/kdump-test.json"
        var record = Self.record
        record.saveDirectory = dir + "/kdump"
        try record.write(path: path)
        let stamp = dir + "/kdump/202611261501"
        try FileManager.default.createDirectory(atPath: stamp, withIntermediateDirectories: true)
        KdumpFixtures.write(KdumpFixtures.kdumpCompressed(), to: stamp + "/dump.202611261501")
        KdumpFixtures.write(Array("[   12.5] \(record.marker)\n[   12.6] sysrq: Trigger a crash\n".utf8), to: stamp + "/dmesg.202611261501")
        let resolved = try #require(try KdumpTestRecord.resolveStored(path: path, saveDir: dir + "/crash"))
        #expect(resolved.state == .succeeded)
        #expect(resolved.dumpPath == stamp)
        #expect(resolved.message?.contains("saved by kdump-tools") == true)
        #expect(try KdumpTestRecord.read(path: path)?.state == .succeeded)
    }
}

@Suite struct KdumpTestRecordStoredTests {
    @Test func resolveStoredWritesTheOutcomeBack() throws {
        let dir = KdumpFixtures.temporaryDirectory()
        let path = dir + "/kdump-test.json"
        let record = KdumpTestRecord(id: "t-9", time: "2026-11-26T15:00:00Z", release: "6.1.0-28-amd64")
        try record.write(path: path)
        // No dump yet: failed, and written back.
        #expect(try KdumpTestRecord.resolveStored(path: path, saveDir: dir + "/crash")?.state == .failed)
        #expect(try KdumpTestRecord.read(path: path)?.state == .failed)

        try record.write(path: path)
        let dump = dir + "/crash/2026-11-26-15:01:00"
        try FileManager.default.createDirectory(atPath: dump, withIntermediateDirectories: true)
        try DumpManifest(savedAt: "2026-11-26T15:01:00Z", format: "lzo", dumpLevel: 31, testID: "t-9", complete: true).write(directory: dump)
        KdumpFixtures.write(KdumpFixtures.kdumpCompressed(), to: dump + "/vmcore")
        let resolved = try #require(try KdumpTestRecord.resolveStored(path: path, saveDir: dir + "/crash"))
        #expect(resolved.state == .succeeded)
        #expect(resolved.dumpPath == dump)
        #expect(resolved.message?.contains("6.1.0-28-amd64") == true)
        #expect(try KdumpTestRecord.resolveStored(path: dir + "/none.json", saveDir: dir) == nil)
    }
}
