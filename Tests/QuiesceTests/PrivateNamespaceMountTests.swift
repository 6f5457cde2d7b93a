@testable import Quiesce
import LinuxSystem
import KrebootTestSupport
import Foundation
import Glibc
import SystemPackage
import Testing

/// Real libmount operations on scratch tmpfs mounts, only inside a private mount namespace so no host file
/// system is touched. Skipped unless run as root under `unshare -m`:
///
///     KREBOOT_OUTER_MOUNT_NAMESPACE=$(readlink /proc/self/ns/mnt) LIBMOUNT_UTAB=/tmp/kreboot-utab \
///         unshare -m --propagation private swift test --filter PrivateNamespaceMountTests
@Suite(.enabled(if: PrivateMountNamespace.testsAllowed(),
                "needs root and a private mount namespace (unshare -m, KREBOOT_OUTER_MOUNT_NAMESPACE)"),
       .serialized)
struct PrivateNamespaceMountTests {
    @Test func remountReadOnlyIsBusyWhileAWriterHoldsAFileAndSucceedsAfter() throws {
        let path = try PrivateMountNamespace.scratchMount()
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
        #expect(try PrivateMountNamespace.options(of: path)?.split(separator: ",").first == "ro")
        try mounts.remountReadWrite(path: path)
        #expect(try PrivateMountNamespace.options(of: path)?.split(separator: ",").first == "rw")
        try mounts.unmount(path: path)
        #expect(try PrivateMountNamespace.options(of: path) == nil)
        rmdir(path)
    }

    @Test func unmountIsBusyWhileAFileIsOpen() throws {
        let path = try PrivateMountNamespace.scratchMount()
        let mounts = LibmountMountOperations()
        #expect(FileManager.default.createFile(atPath: "\(path)/open", contents: Data("x".utf8)))
        let fd = open("\(path)/open", O_RDONLY | O_CLOEXEC)
        try #require(fd >= 0)
        let error = #expect(throws: QuiesceError.self) { try mounts.unmount(path: path) }
        #expect(error?.errno == .resourceBusy)
        #expect(error?.path == path)
        close(fd)
        try mounts.unmount(path: path)
        #expect(try PrivateMountNamespace.options(of: path) == nil)
        rmdir(path)
    }
}
