@testable import Kdump
import KexecCore
import LinuxSystem
import Foundation
#if canImport(Glibc)
import Glibc
#endif
import Testing

/// The capture side writes and removes relative to directories it opened once: a symlink planted where a
/// file or a dump directory is expected is never followed, and nothing odd in place of the vmcore is waited on.
@Suite struct CaptureDescriptorTests {
    @Test func aSparseCopyNeverWritesThroughASymlinkPlantedAtItsDestination() throws {
        let dir = KdumpFixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        KdumpFixtures.write([1, 2, 3], to: dir + "/vmcore-source")
        KdumpFixtures.write(Array("precious".utf8), to: dir + "/outside")
        try #require(symlink(dir + "/outside", dir + "/vmcore-incomplete") == 0)
        #expect(throws: KexecError.self) { try SparseCopy.copy(from: dir + "/vmcore-source", to: dir + "/vmcore-incomplete") }
        #expect(FileManager.default.contents(atPath: dir + "/outside") == Data("precious".utf8))
    }

    @Test func aFIFOInPlaceOfTheVmcoreIsRefusedWithoutWaiting() throws {
        let dir = KdumpFixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try #require(mkfifo(dir + "/vmcore", 0o600) == 0)
        let error = #expect(throws: KexecError.self) { try SparseCopy.copy(from: dir + "/vmcore", to: dir + "/copy") }
        #expect(error?.message.contains("\(dir)/vmcore") == true)
        #expect(!FileManager.default.fileExists(atPath: dir + "/copy"))
    }

    @Test func aSparseCopyCopiesWithHoles() throws {
        let dir = KdumpFixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let bytes = [UInt8](repeating: 7, count: 100) + [UInt8](repeating: 0, count: 3 << 20) + [9]
        KdumpFixtures.write(bytes, to: dir + "/vmcore")
        try SparseCopy.copy(from: dir + "/vmcore", to: dir + "/copy")
        #expect(FileManager.default.contents(atPath: dir + "/copy") == Data(bytes))
    }

    @Test func removingADumpDirectorySwappedForASymlinkLeavesItsTargetAlone() throws {
        let dir = KdumpFixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try FileManager.default.createDirectory(atPath: dir + "/elsewhere", withIntermediateDirectories: true)
        KdumpFixtures.write([1], to: dir + "/elsewhere/vmcore")
        try FileManager.default.createDirectory(atPath: dir + "/crash", withIntermediateDirectories: true)
        try #require(symlink(dir + "/elsewhere", dir + "/crash/2026-01-01-00:00:00") == 0)
        #expect(!DumpFiles.removeDumpDirectory(dir + "/crash/2026-01-01-00:00:00"))
        #expect(FileManager.default.fileExists(atPath: dir + "/elsewhere/vmcore"))
    }

    @Test func committingRefusesASymlinkInPlaceOfThePartialFile() throws {
        let dir = KdumpFixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        KdumpFixtures.write([1], to: dir + "/outside")
        try #require(symlink(dir + "/outside", dir + "/vmcore-incomplete") == 0)
        #expect(throws: KexecError.self) { try DumpFiles.commit(dir + "/vmcore-incomplete", as: dir + "/vmcore", operation: "save-dump") }
        #expect(!FileManager.default.fileExists(atPath: dir + "/vmcore"))
    }

    @Test func availableBytesIsAskedOfTheDirectoryItself() throws {
        let dir = KdumpFixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        #expect((DiskSpace.availableBytes(dir) ?? 0) > 0)
        #expect(DiskSpace.availableBytes(dir + "/missing") == nil)
    }
}
