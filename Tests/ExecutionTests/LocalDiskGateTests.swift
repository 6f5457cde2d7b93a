import Execution
@testable import Quiesce
import RebootPlan
import LinuxSystem
import KrebootTestSupport
import Foundation
import Testing

/// The executor's last gate reads the real mount table through libmount; with one read-write mount of every
/// known type it finds exactly the local disks the planner's `MountClassifier` unmounts (less the network
/// file systems, which the planner unmounts for their servers' sake).
@Suite struct LocalDiskGateTests {
    @Test func theGateAndThePlannerAgreeOnAMountTableOfEveryType() throws {
        let types = FileSystemKind.localDiskTypes.union(FileSystemKind.networkTypes).union(FileSystemKind.virtualTypes)
            .union(FileSystemKind.readOnlyTypes).union(["someotherfs"]).sorted()
        var lines = ["1 0 254:1 / / ro,relatime - ext4 /dev/vda1 ro"]
        for (index, type) in types.enumerated() {
            let id = index + 10
            lines.append("\(id) 1 254:\(id) / /mnt/\(id) rw,relatime - \(type) /dev/vd\(id) rw")
        }
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("kreboot-mountinfo-kinds-\(getpid())")
        try (lines.joined(separator: "\n") + "\n").write(to: file, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(at: file) }

        let gate = try LibmountMountOperations(mountInfo: file.path).readWriteLocalMounts().map(\.target)
        let table = try MountTableReader.read(mountInfo: file.path)
        let planned = MountClassifier.mountsToUnmount(table).filter { $0.fileSystemKind != .network }.map(\.target)
        #expect(Set(gate) == Set(planned))
        #expect(gate.count == FileSystemKind.localDiskTypes.count + 1)  // and someotherfs, from a /dev/ source
    }
}
