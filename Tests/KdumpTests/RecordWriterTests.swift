import Foundation
import Testing
@testable import KexecCore
@testable import Kdump
@testable import LinuxSystem

#if canImport(Glibc)
import Glibc
#endif

/// Records are written through an exclusive temporary file in a directory kreboot owns: a symlink planted
/// at the old fixed temporary name (or at the record) is never followed.
@Suite final class RecordWriterTests {
    let dir = KdumpFixtures.temporaryDirectory()

    deinit { try? FileManager.default.removeItem(atPath: dir) }

    /// Under --root a record is written inside the tree: a symlink planted as its directory is refused (as on
    /// this machine), and a directory on this machine that the symlink names stays empty; a symlink higher up
    /// means the tree's path, and the record lands inside the tree.
    @Test func underARootNothingIsWrittenOutsideTheTree() throws {
        let tree = dir + "/tree", outside = dir + "/outside"
        try FileManager.default.createDirectory(atPath: tree + "/var/lib", withIntermediateDirectories: true)
        try FileManager.default.createDirectory(atPath: outside, withIntermediateDirectories: false, attributes: [.posixPermissions: 0o700])
        try #require(symlink(outside, tree + "/var/lib/kreboot") == 0)
        let record = KdumpTestRecord(id: "c", time: "2024-01-01T00:00:00Z", release: "6.1.0")
        let error = #expect(throws: KexecError.self) { try record.write(path: "/var/lib/kreboot/kdump-test.json", root: RootDirectory(tree)) }
        #expect(error?.message == "/var/lib/kreboot: is a symlink or not a directory; refusing to write records there")
        #expect(try FileManager.default.contentsOfDirectory(atPath: outside).isEmpty)

        try #require(symlink(outside, tree + "/state") == 0)
        try FileManager.default.createDirectory(atPath: tree + outside, withIntermediateDirectories: true)
        try record.write(path: "/state/records/kdump-test.json", root: RootDirectory(tree))
        #expect(try FileManager.default.contentsOfDirectory(atPath: outside).isEmpty)
        #expect(try KdumpTestRecord.read(path: tree + outside + "/records/kdump-test.json")?.id == "c")
    }

    @Test func plantedSymlinksAreNotFollowed() throws {
        let victim = dir + "/victim"
        KdumpFixtures.write(Array("keep".utf8), to: victim)
        let records = dir + "/lib"
        try FileManager.default.createDirectory(atPath: records, withIntermediateDirectories: false, attributes: [.posixPermissions: 0o700])
        _ = symlink(victim, records + "/kdump-test.json.incomplete")
        _ = symlink(victim, records + "/kdump-test.json.tmp")
        let record = KdumpTestRecord(id: "b", time: "2024-01-01T00:00:00Z", release: "6.1.0")
        try record.write(path: records + "/kdump-test.json")
        #expect(try String(contentsOfFile: victim, encoding: .utf8) == "keep")
        #expect(try KdumpTestRecord.read(path: records + "/kdump-test.json")?.id == "b")
        var st = stat()
        #expect(lstat(records + "/kdump-test.json", &st) == 0 && st.st_mode & 0o777 == 0o600)
        // A symlink at the record itself is replaced, not written through.
        _ = unlink(records + "/kdump-test.json")
        _ = symlink(victim, records + "/kdump-test.json")
        try RecordWriter.write(Array("new".utf8), to: records + "/kdump-test.json", operation: "test")
        #expect(try String(contentsOfFile: victim, encoding: .utf8) == "keep")
        #expect(lstat(records + "/kdump-test.json", &st) == 0 && (st.st_mode & S_IFMT) == S_IFREG)
    }

    @Test func newDirectoriesAre0700AndUnsafeOnesRefused() throws {
        try RecordWriter.write(Array("x".utf8), to: dir + "/a/b/state.json", operation: "test")
        var st = stat()
        #expect(stat(dir + "/a/b", &st) == 0 && st.st_mode & 0o777 == 0o700)
        try FileManager.default.createDirectory(atPath: dir + "/open", withIntermediateDirectories: false, attributes: [.posixPermissions: 0o777])
        _ = chmod(dir + "/open", 0o777)
        let error = #expect(throws: SystemError.self) { try RecordWriter.write([1], to: dir + "/open/state.json", operation: "test") }
        #expect(error?.message == "\(dir)/open: writable by group or others (mode 777); refusing to write records there")
        _ = symlink(dir + "/a/b", dir + "/link")
        #expect(throws: SystemError.self) { try RecordWriter.write([1], to: dir + "/link/state.json", operation: "test") }
        #expect(!FileManager.default.fileExists(atPath: dir + "/a/b/state.json.tmp"))
    }
}
