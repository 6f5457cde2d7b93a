@testable import RebootPlan
import LinuxSystem
import KexecCore
import Foundation
import Testing

@Suite struct FreeSpaceTests {
    @Test func aMissingDirectoryIsMeasuredOnItsNearestExistingParent() throws {
        let dir = NSTemporaryDirectory() + "kreboot-free-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let root = RootDirectory(dir)
        let parent = try #require(root.freeBytes("/"))
        let missing = try #require(root.freeBytes("/var/crash"))
        #expect(parent > 0)
        #expect(missing > 0)
    }

    @Test func aRootThatDoesNotExistHasNoFreeSpace() {
        #expect(RootDirectory("/nonexistent/kreboot-free").freeBytes("/var/crash") == nil)
    }
}
