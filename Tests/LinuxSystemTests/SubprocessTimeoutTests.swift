import LinuxSystem
import Foundation
import Glibc
import Testing

/// A child that does not finish in time is killed and reported as timed out, and the caller is not held up:
/// what keeps a dead NFS server from hanging kreboot's probe and its network unmounts.
@Suite struct SubprocessTimeoutTests {
    @Test func aChildStillRunningWhenTheTimeIsUpIsKilled() throws {
        let started = ContinuousClock.now
        let result = try SpawnSubprocessRunner().run(["/bin/sh", "-c", "echo started; exec sleep 30"],
                                                     options: SubprocessOptions(timeout: .milliseconds(300)))
        let took = ContinuousClock.now - started
        #expect(result.timedOut)
        #expect(result.status == 128 + 9)
        #expect(result.output.contains("started"))
        #expect(took < .seconds(5), "returned after \(took)")
    }

    @Test func aChildThatClosesItsOutputButKeepsRunningIsKilledToo() throws {
        let result = try SpawnSubprocessRunner().run(["/bin/sh", "-c", "exec >/dev/null 2>&1; sleep 30"],
                                                     options: SubprocessOptions(timeout: .milliseconds(300)))
        #expect(result.timedOut)
    }

    @Test func aChildThatFinishesInTimeKeepsItsStatusAndOutput() throws {
        let result = try SpawnSubprocessRunner().run(["/bin/sh", "-c", "echo done; exit 3"],
                                                     options: SubprocessOptions(timeout: .seconds(10)))
        #expect(!result.timedOut)
        #expect(result.status == 3)
        #expect(result.output == "done\n")
    }
}

/// The real probe and network operations with stand-in helpers (a script in place of `kreboot __probe-mount` and
/// `kreboot __network-mount`): a helper that hangs, as one blocked on a dead server does, is killed in time.
@Suite struct ChildProcessMountProbeTests {
    static let nfs = MountEntry(source: "10.0.9.1:/srv/nfs", target: "/mnt/nfs", fstype: "nfs4")

    /// A helper script `body` in a fresh directory.
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

    @Test func aHangingProbeIsKilledAndTheMountIsUnreachable() throws {
        let helper = try Self.helper("exec sleep 30")
        defer { helper.cleanUp() }
        let started = ContinuousClock.now
        let probe = ChildProcessMountProbe(helper: helper.path, timeout: .milliseconds(400)).probe(Self.nfs)
        #expect(ContinuousClock.now - started < .seconds(5))
        #expect(probe.outcome == .unreachable)
        #expect(probe.server == "10.0.9.1")
        #expect(probe.path == "/mnt/nfs")
        #expect(probe.detail == "no answer within 0.4 s")
    }

    @Test func theProbeRunsTheHelperOnTheMountPointAndReadsItsAnswer() throws {
        let answering = try Self.helper("[ \"$1\" = __probe-mount ] && [ \"$2\" = /mnt/nfs ] && exit 0; exit 9")
        defer { answering.cleanUp() }
        #expect(ChildProcessMountProbe(helper: answering.path).probe(Self.nfs).outcome == .reachable)
        let stale = try Self.helper("echo 'kreboot: statvfs /mnt/nfs: Stale file handle' >&2; exit 1")
        defer { stale.cleanUp() }
        let probe = ChildProcessMountProbe(helper: stale.path).probe(Self.nfs)
        #expect(probe.outcome == .failed)
        #expect(probe.detail == "kreboot: statvfs /mnt/nfs: Stale file handle")
    }
}
