@testable import Execution
import Quiesce
import KexecCore
import RebootPlan
import LinuxSystem
import KrebootTestSupport
import Foundation
import Glibc
import Testing

/// The executor with real libmount operations on scratch tmpfs mounts, only inside a private mount namespace
/// (see `PrivateMountNamespace`). Skipped unless run as root under `unshare -m`.
@Suite(.enabled(if: PrivateMountNamespace.testsAllowed(),
                "needs root and a private mount namespace (unshare -m, KREBOOT_OUTER_MOUNT_NAMESPACE)"),
       .serialized)
struct PrivateNamespaceExecutorTests {
    /// A busy unmount falls back to read-only, then the gate finds this namespace's root still read-write,
    /// refuses to exec, and the rollback makes both mounts writable again.
    @Test func executorRollsBackRealRemounts() throws {
        let busy = try PrivateMountNamespace.scratchMount()
        let plain = try PrivateMountNamespace.scratchMount()
        #expect(FileManager.default.createFile(atPath: "\(busy)/open", contents: Data("x".utf8)))
        let fd = open("\(busy)/open", O_RDONLY | O_CLOEXEC)
        try #require(fd >= 0)

        let loader = RecordingKexecLoader()
        let mounts = LibmountMountOperations()
        let image = KexecImage(kernel: "/boot/vmlinuz", commandLine: "")
        let plan = RebootPlan(mode: .reboot, target: nil,
                              steps: [.load(image), .isolate(unit: "rescue.target"),
                                      .unmount(MountEntry(source: "kreboot-test", target: busy, fstype: "tmpfs")),
                                      .remountReadOnly(path: plain), .sync, .exec],
                              checks: [])
        var notes: [String] = []
        let parts = ExecutorParts(loader: loader, services: RecordingServiceManager(), mounts: mounts,
                                  swaps: RecordingSwapOperations(), grubEnvironment: RecordingGrubEnvironment())
        let executor = Executor(parts: parts) { event in
            if case .finished(_, _, _, let note?) = event { notes.append(note) }
        }
        let error = #expect(throws: RunError.self) { try executor.run(plan) }
        #expect(notes.contains { $0.contains("remounted read-only instead") })
        #expect(error?.code == .unsafeMounts)
        #expect(error?.rolledBack.prefix(2) == ["remount \(plain) read-write", "remount \(busy) read-write"])
        #expect(try PrivateMountNamespace.options(of: busy)?.split(separator: ",").first == "rw")
        #expect(try PrivateMountNamespace.options(of: plain)?.split(separator: ",").first == "rw")
        #expect(!loader.calls.contains(.exec))
        close(fd)
        for path in [busy, plain] {
            try mounts.unmount(path: path)
            rmdir(path)
        }
    }
}
