@testable import Kdump
@testable import KexecCore
import RebootPlan
import LinuxSystem
import KrebootTestSupport
import Foundation
import Testing

@Suite struct KdumpRotationTests {
    @Test func keepSemanticsAsSuseDefinesThem() {
        let dumps = ["a", "b", "c", "d"]
        #expect(DumpRotation.toDelete(oldestFirst: dumps, keep: 2) == ["a", "b"])
        #expect(DumpRotation.toDelete(oldestFirst: dumps, keep: 5) == [])
        #expect(DumpRotation.toDelete(oldestFirst: dumps, keep: 0) == [])
        #expect(DumpRotation.toDelete(oldestFirst: dumps, keep: -1) == dumps)
        #expect(DumpRotation.toDelete(oldestFirst: [], keep: 1) == [])
    }

    func makeKrebootDump(_ saveDir: String, _ name: String, savedAt: String) throws {
        try FileManager.default.createDirectory(atPath: saveDir + "/" + name, withIntermediateDirectories: true)
        try DumpManifest(savedAt: savedAt, format: "lzo", dumpLevel: 31, complete: true).write(directory: saveDir + "/" + name)
        KdumpFixtures.write([1, 2, 3], to: saveDir + "/" + name + "/vmcore")
        KdumpFixtures.write(Array("log".utf8), to: saveDir + "/" + name + "/dmesg.txt")
    }

    @Test func rotationDeletesOnlyKrebootsOldestDumps() throws {
        let saveDir = KdumpFixtures.temporaryDirectory()
        try makeKrebootDump(saveDir, "2026-01-01-10:00:00", savedAt: "2026-01-01T10:00:00Z")
        try makeKrebootDump(saveDir, "2026-01-02-10:00:00", savedAt: "2026-01-02T10:00:00Z")
        try makeKrebootDump(saveDir, "2026-01-03-10:00:00", savedAt: "2026-01-03T10:00:00Z")
        // Another program's dump (older than all) and a stray file: never touched.
        try FileManager.default.createDirectory(atPath: saveDir + "/127.0.0.1-2025-12-31-09:00:00", withIntermediateDirectories: true)
        KdumpFixtures.write([9], to: saveDir + "/127.0.0.1-2025-12-31-09:00:00/vmcore")
        KdumpFixtures.write([9], to: saveDir + "/notes.txt")

        #expect(DumpRotation.krebootDumps(in: saveDir) == ["2026-01-01-10:00:00", "2026-01-02-10:00:00", "2026-01-03-10:00:00"])
        let deleted = DumpRotation.rotate(saveDir: saveDir, keep: 1)
        #expect(deleted == ["2026-01-01-10:00:00", "2026-01-02-10:00:00"])
        let left = try FileManager.default.contentsOfDirectory(atPath: saveDir).sorted()
        #expect(left == ["127.0.0.1-2025-12-31-09:00:00", "2026-01-03-10:00:00", "notes.txt"])
    }

    @Test func aDumpDirectoryWithForeignSubdirectoriesStays() throws {
        let saveDir = KdumpFixtures.temporaryDirectory()
        try makeKrebootDump(saveDir, "old", savedAt: "2026-01-01T10:00:00Z")
        try FileManager.default.createDirectory(atPath: saveDir + "/old/analysis", withIntermediateDirectories: true)
        #expect(DumpRotation.rotate(saveDir: saveDir, keep: -1) == [])
        #expect(FileManager.default.fileExists(atPath: saveDir + "/old/analysis"))
    }

    @Test func freeSpaceArithmetic() {
        let mib: UInt64 = 1 << 20
        #expect(DiskSpace.leavesEnough(availableBytes: 200 * mib, estimateBytes: 100 * mib, requiredFreeMiB: 64))
        #expect(DiskSpace.leavesEnough(availableBytes: 164 * mib, estimateBytes: 100 * mib, requiredFreeMiB: 64))
        #expect(!DiskSpace.leavesEnough(availableBytes: 164 * mib - 1, estimateBytes: 100 * mib, requiredFreeMiB: 64))
        #expect(!DiskSpace.leavesEnough(availableBytes: 50 * mib, estimateBytes: 100 * mib, requiredFreeMiB: 0))
        #expect(DiskSpace.leavesEnough(availableBytes: 64 * mib, estimateBytes: 0, requiredFreeMiB: 64))
        #expect(DiskSpace.leavesEnough(availableBytes: 0, estimateBytes: 0, requiredFreeMiB: -5))
    }

    @Test func availableBytesOfATempDirectory() {
        let free = DiskSpace.availableBytes(KdumpFixtures.temporaryDirectory())
        #expect((free ?? 0) > 0)
        #expect(DiskSpace.availableBytes("/nonexistent/kreboot") == nil)
    }
}

@Suite struct KdumpCatalogTests {
    @Test func listsNewestFirstWithOtherProgramsDumps() throws {
        let saveDir = KdumpFixtures.temporaryDirectory()
        for (name, stamp) in [("2026-01-01-10:00:00", "2026-01-01T10:00:00Z"), ("2026-03-01-10:00:00", "2026-03-01T10:00:00Z")] {
            try FileManager.default.createDirectory(atPath: saveDir + "/" + name, withIntermediateDirectories: true)
            try DumpManifest(savedAt: stamp, format: "lzo", dumpLevel: 31, testID: "id-\(name.prefix(7))", complete: true)
                .write(directory: saveDir + "/" + name)
            KdumpFixtures.write(KdumpFixtures.kdumpCompressed(), to: saveDir + "/" + name + "/vmcore")
        }
        // kdump-tools' layout: /var/crash/202602011000/dump.202602011000, an ELF core; mtime = now, but the
        // directory name says 2026-02-01 10:00, and that is its time.
        try FileManager.default.createDirectory(atPath: saveDir + "/202602011000", withIntermediateDirectories: true)
        KdumpFixtures.write(KdumpFixtures.elfCore(), to: saveDir + "/202602011000/dump.202602011000")
        // Not a dump directory at all.
        try FileManager.default.createDirectory(atPath: saveDir + "/lost+found", withIntermediateDirectories: true)

        let dumps = DumpCatalog.list(saveDir: saveDir)
        #expect(dumps.map { ($0.directory as NSString).lastPathComponent } == ["2026-03-01-10:00:00", "202602011000", "2026-01-01-10:00:00"])
        #expect(dumps.map(\.savedBy) == ["kreboot", "kdump-tools", "kreboot"])
        #expect(dumps[1].savedByKreboot == false)
        #expect(dumps[1].complete)
        #expect(dumps[1].info?.format == .elf)
        #expect(dumps[0].testID == "id-2026-03")
        #expect(dumps[0].info?.release == "6.1.0-28-amd64")
        #expect(dumps[0].sizeBytes == UInt64(KdumpFixtures.kdumpCompressed().count))
    }

    @Test func unreadableVmcoreIsListedWithItsProblem() throws {
        let saveDir = KdumpFixtures.temporaryDirectory()
        try FileManager.default.createDirectory(atPath: saveDir + "/d", withIntermediateDirectories: true)
        KdumpFixtures.write(Array("garbage garbage garbage".utf8), to: saveDir + "/d/vmcore")
        let dumps = DumpCatalog.list(saveDir: saveDir)
        #expect(dumps.count == 1)
        #expect(dumps[0].info == nil)
        #expect(dumps[0].problem?.contains("not a kernel dump") == true)
        #expect(DumpCatalog.list(saveDir: saveDir + "/missing").isEmpty)
    }
}
