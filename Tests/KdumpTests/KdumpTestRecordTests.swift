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
        #expect(record.resolved(with: []).message == "no dump carries test id t1")
        var done = record
        done.state = .failed
        #expect(done.resolved(with: [dump(testID: "t1", readable: true)]).state == .failed)
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
