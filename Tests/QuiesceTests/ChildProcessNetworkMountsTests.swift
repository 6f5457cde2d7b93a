import Quiesce
import LinuxSystem
import Foundation
import Glibc
import SystemPackage
import Testing

/// `ChildProcessNetworkMounts` with stand-in helpers: the argv it gives the child, a child that hangs (as one
/// blocked on a dead server) killed in time with an error naming the mount and the server, and the child's
/// `errno=N message` line turned back into the error.
@Suite struct ChildProcessNetworkMountsTests {
    static let nfs = MountEntry(source: "10.0.9.1:/srv/nfs", target: "/mnt/nfs", fstype: "nfs4", vfsOptions: "rw,relatime",
                                fsOptions: "rw,vers=4.2")

    static func helper(_ body: String) throws -> (path: String, cleanUp: () -> Void) {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("kreboot-helper-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        let path = dir.appendingPathComponent("helper").path
        // Written through a close-on-exec descriptor: a child another test spawns meanwhile must not inherit it
        // open for writing, or running the helper fails with ETXTBSY.
        let fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o755)
        guard fd >= 0 else { throw CocoaError(.fileWriteUnknown) }
        let bytes = Array("#!/bin/sh\n\(body)\n".utf8)
        let written = bytes.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
        close(fd)
        guard written == bytes.count else { throw CocoaError(.fileWriteUnknown) }
        return (path, { try? FileManager.default.removeItem(at: dir) })
    }

    @Test func theChildGetsTheOperationTheEntryAndTheDetachFlags() {
        let argv = ChildProcessNetworkMounts(helper: "/usr/sbin/kreboot").arguments(.unmount, Self.nfs, detach: true, force: true)
        #expect(argv == ["/usr/sbin/kreboot", "__network-mount", "unmount", "--path", "/mnt/nfs", "--source", "10.0.9.1:/srv/nfs",
                         "--type", "nfs4", "--vfs-options", "rw,relatime", "--fs-options", "rw,vers=4.2", "--fs-root", "/",
                         "--detach", "--force-unmount"])
    }

    @Test func aHangingUnmountIsKilledAndNamesTheMountAndTheServer() throws {
        let helper = try Self.helper("exec sleep 30")
        defer { helper.cleanUp() }
        let started = ContinuousClock.now
        let error = #expect(throws: QuiesceError.self) {
            try ChildProcessNetworkMounts(helper: helper.path).unmount(Self.nfs, server: "10.0.9.1", detach: false, force: false,
                                                                       timeout: .milliseconds(400))
        }
        #expect(ContinuousClock.now - started < .seconds(5))
        #expect(error?.code == .timedOut)
        #expect(error?.path == "/mnt/nfs")
        #expect(error?.message.contains("no answer from server 10.0.9.1") == true)
        #expect(error?.message.contains("umount /mnt/nfs") == true)
    }

    @Test func aDetachThatOutlivesItsTimeCountsAsDoneOnceTheMountPointLeftTheTable() throws {
        let helper = try Self.helper("exec sleep 30")
        defer { helper.cleanUp() }
        let table = FileManager.default.temporaryDirectory.appendingPathComponent("mountinfo-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: table) }
        try "22 1 259:1 / / rw,relatime - ext4 /dev/nvme0n1p1 rw\n".write(to: table, atomically: true, encoding: .utf8)
        try ChildProcessNetworkMounts(helper: helper.path, mountInfo: table.path)
            .unmount(Self.nfs, server: "10.0.9.1", detach: true, force: true, timeout: .milliseconds(300))
        try "22 1 259:1 / / rw,relatime - ext4 /dev/nvme0n1p1 rw\n40 22 0:50 / /mnt/nfs rw,relatime - nfs4 10.0.9.1:/srv/nfs rw\n"
            .write(to: table, atomically: true, encoding: .utf8)
        #expect(throws: QuiesceError.self) {
            try ChildProcessNetworkMounts(helper: helper.path, mountInfo: table.path)
                .unmount(Self.nfs, server: "10.0.9.1", detach: true, force: true, timeout: .milliseconds(300))
        }
    }

    @Test func aDetachFromADeadServerReturnsAfterItsSettleTimeNotTheWholeLimit() throws {
        let helper = try Self.helper("exec sleep 30")
        defer { helper.cleanUp() }
        let table = FileManager.default.temporaryDirectory.appendingPathComponent("mountinfo-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: table) }
        try "22 1 259:1 / / rw,relatime - ext4 /dev/nvme0n1p1 rw\n".write(to: table, atomically: true, encoding: .utf8)
        let started = ContinuousClock.now
        try ChildProcessNetworkMounts(helper: helper.path, mountInfo: table.path, detachSettleTime: .milliseconds(300))
            .unmount(Self.nfs, server: "10.0.9.1", detach: true, force: true, timeout: .seconds(20))
        #expect(ContinuousClock.now - started < .seconds(10))
    }

    @Test func aDetachStillInTheTableAfterItsSettleTimeGetsTheRestOfTheLimitThenTimesOut() throws {
        let helper = try Self.helper("exec sleep 30")
        defer { helper.cleanUp() }
        let table = FileManager.default.temporaryDirectory.appendingPathComponent("mountinfo-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: table) }
        try "22 1 259:1 / / rw,relatime - ext4 /dev/nvme0n1p1 rw\n40 22 0:50 / /mnt/nfs rw,relatime - nfs4 10.0.9.1:/srv/nfs rw\n"
            .write(to: table, atomically: true, encoding: .utf8)
        let started = ContinuousClock.now
        let error = #expect(throws: QuiesceError.self) {
            try ChildProcessNetworkMounts(helper: helper.path, mountInfo: table.path, detachSettleTime: .milliseconds(200))
                .unmount(Self.nfs, server: "10.0.9.1", detach: true, force: true, timeout: .milliseconds(900))
        }
        let took = ContinuousClock.now - started
        #expect(took >= .milliseconds(850))
        #expect(took < .seconds(8))
        #expect(error?.code == .timedOut)
        #expect(error?.message.contains("detach /mnt/nfs") == true)
    }

    @Test func theChildsErrnoLineBecomesTheError() throws {
        let helper = try Self.helper("echo 'kreboot: errno=16 umount /mnt/nfs: target is busy' >&2; exit 1")
        defer { helper.cleanUp() }
        let error = #expect(throws: QuiesceError.self) {
            try ChildProcessNetworkMounts(helper: helper.path).unmount(Self.nfs, server: "10.0.9.1", detach: false, force: false,
                                                                       timeout: .seconds(10))
        }
        #expect(error?.errno == .resourceBusy)
        #expect(error?.code == .busy)
    }
}
