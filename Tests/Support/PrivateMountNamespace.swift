import Foundation
import LinuxSystem
#if canImport(Glibc)
import Glibc
#endif

/// Scratch tmpfs mounts for the tests that run real libmount operations, only inside a private mount
/// namespace so no host file system is touched:
///
///     KREBOOT_OUTER_MOUNT_NAMESPACE=$(readlink /proc/self/ns/mnt) LIBMOUNT_UTAB=/tmp/kreboot-utab \
///         unshare -m --propagation private swift test --filter PrivateNamespace
public enum PrivateMountNamespace {
    /// Root, and a mount namespace other than the one named by KREBOOT_OUTER_MOUNT_NAMESPACE (the caller's,
    /// read before `unshare -m`) and other than PID 1's when that can be read.
    public static func testsAllowed() -> Bool {
        let files = FileManager.default
        guard geteuid() == 0, let outer = ProcessInfo.processInfo.environment["KREBOOT_OUTER_MOUNT_NAMESPACE"],
              let mine = try? files.destinationOfSymbolicLink(atPath: "/proc/self/ns/mnt") else { return false }
        let initial = try? files.destinationOfSymbolicLink(atPath: "/proc/1/ns/mnt")
        return mine != outer && mine != initial
    }

    /// Why a scratch mount could not be made.
    public struct MountFailed: Error, CustomStringConvertible {
        public var description: String
    }

    /// A tmpfs mounted on a new temporary directory (in this namespace only).
    public static func scratchMount() throws -> String {
        let directory = FileManager.default.temporaryDirectory.path + "/kreboot-ns-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: false)
        let mount = try Process.run(URL(fileURLWithPath: "/usr/bin/mount"), arguments: ["-t", "tmpfs", "-o", "size=1m", "kreboot-test", directory])
        mount.waitUntilExit()
        guard mount.terminationStatus == 0 else { throw MountFailed(description: "mount -t tmpfs \(directory) failed") }
        return directory
    }

    /// The VFS options of the mount at `path` in this namespace's table, or nil when not mounted.
    public static func options(of path: String) throws -> String? {
        try MountTableReader.read(mountInfo: "/proc/self/mountinfo").last { $0.target == path }?.vfsOptions
    }
}
