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
        let parent = try #require(SystemSnapshot.freeBytes(dir))
        let missing = try #require(SystemSnapshot.freeBytes(dir + "/var/crash"))
        #expect(parent > 0)
        #expect(missing > 0)
    }

    @Test func anEmptyPathHasNoFreeSpace() {
        #expect(SystemSnapshot.freeBytes("") == nil)
    }
}
