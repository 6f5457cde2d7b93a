import Foundation
import Glibc
import LinuxSystem
import KexecCore
import RebootPlan
import SystemPackage
import Testing
@testable import Quiesce

/// Root, and a mount namespace other than the one named by KREBOOT_OUTER_MOUNT_NAMESPACE (the caller's,
/// read before `unshare -m`) and other than PID 1's when that can be read.
func privateNamespaceTestsAllowed() -> Bool {
    let files = FileManager.default
    guard geteuid() == 0, let outer = ProcessInfo.processInfo.environment["KREBOOT_OUTER_MOUNT_NAMESPACE"],
          let mine = try? files.destinationOfSymbolicLink(atPath: "/proc/self/ns/mnt") else { return false }
    let initial = try? files.destinationOfSymbolicLink(atPath: "/proc/1/ns/mnt")
    return mine != outer && mine != initial
}

/// Real libmount operations on scratch tmpfs mounts, only inside a private mount namespace so no host file
/// system is touched. Skipped unless run as root under `unshare -m`:
///
///     KREBOOT_OUTER_MOUNT_NAMESPACE=$(readlink /proc/self/ns/mnt) LIBMOUNT_UTAB=/tmp/kreboot-utab \
///         unshare -m --propagation private swift test --filter PrivateNamespaceMountTests
@Suite(.enabled(if: privateNamespaceTestsAllowed(),
                "needs root and a private mount namespace (unshare -m, KREBOOT_OUTER_MOUNT_NAMESPACE)"),
       .serialized)
struct PrivateNamespaceMountTests {
    /// A tmpfs mounted on a new temporary directory (in this namespace only).
    static func scratchMount() throws -> String {
        let directory = FileManager.default.temporaryDirectory.path + "/kreboot-ns-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: false)
        let mount = try Process.run(URL(fileURLWithPath: "/usr/bin/mount"), arguments: ["-t", "tmpfs", "-o", "size=1m", "kreboot-test", directory])
        mount.waitUntilExit()
        try #require(mount.terminationStatus == 0)
        return directory
    }

    /// The VFS options of the mount at `path` in this namespace's table, or nil when not mounted.
    static func options(of path: String) throws -> String? {
        try MountTableReader.read(mountInfo: "/proc/self/mountinfo").last { $0.target == path }?.vfsOptions
    }

    @Test func remountReadOnlyIsBusyWhileAWriterHoldsAFileAndSucceedsAfter() throws {
        let path = try Self.scratchMount()
        let mounts = LibmountMountOperations()
        let fd = open("\(path)/held", O_WRONLY | O_CREAT | O_CLOEXEC, 0o600)
        try #require(fd >= 0)

        let error = #expect(throws: QuiesceError.self) { try mounts.remountReadOnly(path: path) }
        #expect(error?.errno == .resourceBusy)
        #expect(error?.code == .busy)
        #expect(try mounts.writers(of: path).contains { $0.pid == getpid() && $0.file == "\(path)/held" })

        close(fd)
        try mounts.sync(path: path)
        try mounts.remountReadOnly(path: path)
        #expect(try Self.options(of: path)?.split(separator: ",").first == "ro")
        try mounts.remountReadWrite(path: path)
        #expect(try Self.options(of: path)?.split(separator: ",").first == "rw")
        try mounts.unmount(path: path)
        #expect(try Self.options(of: path) == nil)
        rmdir(path)
    }

    @Test func unmountIsBusyWhileAFileIsOpen() throws {
        let path = try Self.scratchMount()
        let mounts = LibmountMountOperations()
        #expect(FileManager.default.createFile(atPath: "\(path)/open", contents: Data("x".utf8)))
        let fd = open("\(path)/open", O_RDONLY | O_CLOEXEC)
        try #require(fd >= 0)
        let error = #expect(throws: QuiesceError.self) { try mounts.unmount(path: path) }
        #expect(error?.errno == .resourceBusy)
        #expect(error?.path == path)
        close(fd)
        try mounts.unmount(path: path)
        #expect(try Self.options(of: path) == nil)
        rmdir(path)
    }

    /// The executor with real mounts: a busy unmount falls back to read-only, then the gate finds this
    /// namespace's root still read-write, refuses to exec, and the rollback makes both mounts writable again.
    @Test func executorRollsBackRealRemounts() throws {
        let busy = try Self.scratchMount()
        let plain = try Self.scratchMount()
        #expect(FileManager.default.createFile(atPath: "\(busy)/open", contents: Data("x".utf8)))
        let fd = open("\(busy)/open", O_RDONLY | O_CLOEXEC)
        try #require(fd >= 0)

        let loader = RecordingKexecLoader()
        let services = RecordingServiceManager()
        let mounts = LibmountMountOperations()
        let plan = RebootPlan(mode: .reboot, target: nil,
                              steps: [.load, .isolate("rescue.target"),
                                      .unmount(MountEntry(source: "kreboot-test", target: busy, fstype: "tmpfs")),
                                      .remountReadOnly(plain), .sync, .exec],
                              checks: [])
        var notes: [String] = []
        let executor = Executor(loader: loader, services: services, mounts: mounts) { event in
            if case .finished(_, _, _, let note?) = event { notes.append(note) }
        }
        let error = #expect(throws: QuiesceError.self) {
            try executor.run(plan, image: KexecImage(kernel: "/boot/vmlinuz", commandLine: ""), options: ExecutorOptions())
        }
        #expect(notes.contains { $0.contains("remounted read-only instead") })
        #expect(error?.code == .unsafeMounts)
        #expect(error?.rolledBack.prefix(2) == ["remount \(plain) read-write", "remount \(busy) read-write"])
        #expect(try Self.options(of: busy)?.split(separator: ",").first == "rw")
        #expect(try Self.options(of: plain)?.split(separator: ",").first == "rw")
        #expect(!loader.calls.contains(.exec))
        close(fd)
        for path in [busy, plain] {
            try mounts.unmount(path: path)
            rmdir(path)
        }
    }
}
