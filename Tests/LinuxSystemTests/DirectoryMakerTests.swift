import LinuxSystem
import Foundation
import Testing

/// `mkdir -p` with a mode, and a file's identity (size, modification time in ns), on a temporary tree.
@Suite struct DirectoryMakerTests {
    func temporary() throws -> String {
        let dir = (NSTemporaryDirectory() as NSString).appendingPathComponent("kreboot-mkdir-" + UUID().uuidString)
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        return dir
    }

    func mode(_ path: String) throws -> Int {
        (try FileManager.default.attributesOfItem(atPath: path)[.posixPermissions] as? Int) ?? -1
    }

    @Test func makesTheMissingParentsWithTheModeAndLeavesExistingOnes() throws {
        let dir = try temporary()
        try FileManager.default.createDirectory(atPath: dir + "/a", withIntermediateDirectories: false,
                                                attributes: [.posixPermissions: 0o711])
        try DirectoryMaker.makeWithParents(dir + "/a/b/c", mode: 0o700)
        #expect(try mode(dir + "/a") == 0o711)
        #expect(try mode(dir + "/a/b") == 0o700)
        #expect(try mode(dir + "/a/b/c") == 0o700)
        try DirectoryMaker.makeWithParents(dir + "/a/b/c", mode: 0o755)  // all there: nothing to do
        #expect(try mode(dir + "/a/b/c") == 0o700)
    }

    @Test func aFileInTheWayIsNamed() throws {
        let dir = try temporary()
        FileManager.default.createFile(atPath: dir + "/file", contents: Data())
        do {
            try DirectoryMaker.makeWithParents(dir + "/file/sub", mode: 0o755, displayPath: "/etc/x/sub")
            Issue.record("a regular file as a parent was accepted")
        } catch {
            #expect(error.message.hasPrefix("/etc/x/sub: cannot create directory: "))
        }
        do {
            try DirectoryMaker.makeWithParents(dir + "/file/sub", mode: 0o755)
            Issue.record("a regular file as a parent was accepted")
        } catch {
            #expect(error.message.hasPrefix(dir + "/file/sub: cannot create directory: "))
        }
    }

    @Test func anIdentityChangesWithTheContentOrTheTime() throws {
        let dir = try temporary()
        let root = RootDirectory(dir)
        FileManager.default.createFile(atPath: dir + "/f", contents: Data("one".utf8))
        let modified = Date(timeIntervalSince1970: 1_700_000_000.25)
        try FileManager.default.setAttributes([.modificationDate: modified], ofItemAtPath: dir + "/f")
        let first = try #require(root.identity("/f"))
        #expect(first.bytes == 3)
        #expect(first.modifiedNanoseconds == 1_700_000_000_250_000_000)
        #expect(root.identity("/f") == first)
        FileManager.default.createFile(atPath: dir + "/f", contents: Data("two".utf8))
        try FileManager.default.setAttributes([.modificationDate: modified.addingTimeInterval(0.5)], ofItemAtPath: dir + "/f")
        #expect(root.identity("/f") != first)
        #expect(root.identity("/missing") == nil)
    }
}
