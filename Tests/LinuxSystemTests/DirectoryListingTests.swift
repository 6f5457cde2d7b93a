import LinuxSystem
import Foundation
import Testing

/// Directory listings through the gateway: sorted, confined to the root, capped with a named problem.
@Suite struct DirectoryListingTests {
    func tree() throws -> String {
        let dir = NSTemporaryDirectory() + "/kreboot-list-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: dir + "/d", withIntermediateDirectories: true)
        for name in ["c", "a", "b"] { FileManager.default.createFile(atPath: dir + "/d/" + name, contents: Data()) }
        return dir
    }

    @Test func listsSortedAndAbsentIsNil() throws {
        let root = RootDirectory(try tree())
        #expect(try root.readDirectory("/d") == ["a", "b", "c"])
        #expect(try root.readDirectory("/missing") == nil)
        #expect(try root.readDirectory("/d/a") == nil)  // not a directory
    }

    @Test func overTheEntryCapIsANamedProblem() throws {
        let root = RootDirectory(try tree())
        #expect(throws: SystemError.self) { try root.readDirectory("/d", maxEntries: 2) }
        do { _ = try root.readDirectory("/d", maxEntries: 2) } catch {
            #expect(error.message == "/d: more than 2 entries, the limit for a directory")
        }
        var problems: [String] = []
        #expect(root.listDirectory("/d", problems: &problems).count == 3)
        #expect(problems.isEmpty)
        #expect(RootDirectory.maxDirectoryEntries == 100_000)
    }

    @Test func anAbsoluteSymlinkToADirectoryStaysInTheRoot() throws {
        let dir = try tree()
        // /link → /d inside the tree, never the host's /d (or the host's /etc).
        try FileManager.default.createSymbolicLink(atPath: dir + "/link", withDestinationPath: "/d")
        try FileManager.default.createSymbolicLink(atPath: dir + "/etc", withDestinationPath: "/usr/share")
        let root = RootDirectory(dir)
        #expect(try root.readDirectory("/link") == ["a", "b", "c"])
        #expect(try root.readDirectory("/etc") == nil)  // /usr/share inside the tree: there is none, never the host's
    }
}
