@testable import Execution
import Quiesce
import KexecCore
import RebootPlan
import LinuxSystem
import KrebootTestSupport
import SystemPackage
import Testing

/// The executor on network file systems: their unmounts (before the isolate) go through the bounded network
/// operations, a timeout rolls back naming the mount and the server (75), a later failure mounts them again
/// only once the default target (and so the network) is back, and a lazy detach is carried out as planned.
@Suite struct ExecutorNetworkMountTests {
    typealias H = ExecutorHarness
    static let nfs = MountEntry(id: 10, parentID: 1, source: "10.0.9.1:/srv/nfs", target: "/mnt/nfs", fstype: "nfs4",
                                vfsOptions: "rw,relatime", fsOptions: "rw,vers=4.2")
    static let reachable = NetworkUnmount(server: "10.0.9.1", timeoutSeconds: 30, probe: .reachable)
    static let detach = NetworkUnmount(server: "10.0.9.1", timeoutSeconds: 30, probe: .unreachable, detach: true, force: true)

    static func plan(_ network: NetworkUnmount) -> RebootPlan {
        var plan = H.fullPlan
        plan.steps.insert(.unmount(nfs, network: network), at: 1)
        return plan
    }

    final class Harness {
        let base = ExecutorHarness()
        let network = RecordingNetworkMounts()
        var events: [StepEvent] = []

        func run(_ plan: RebootPlan) -> RunError? {
            var parts = base.parts
            parts.networkMounts = network
            let executor = Executor(parts: parts) { [unowned self] in self.events.append($0) }
            do throws(RunError) {
                try executor.run(plan)
                return nil
            } catch {
                return error
            }
        }
    }

    @Test func aNetworkUnmountGoesThroughTheBoundedOperationsBeforeTheIsolate() throws {
        let h = Harness()
        #expect(h.run(Self.plan(Self.reachable)) == nil)
        #expect(h.network.calls == [.init(.unmount, "/mnt/nfs", server: "10.0.9.1", timeout: .seconds(30))])
        #expect(!h.base.mounts.calls.contains(.unmount("/mnt/nfs")), "not through the plain libmount unmount")
        #expect(h.base.services.calls.contains(.isolate("rescue.target")))
        let finished = h.events.compactMap { if case .finished(_, let step, _, _) = $0 { step.action } else { nil } }
        #expect(finished.prefix(3) == [.load, .unmount, .isolate])
        #expect(h.base.loader.calls.last == .exec)
    }

    @Test func aTimeoutRollsBackNamingTheMountAndTheServerWithNothingStopped() throws {
        let h = Harness()
        h.network.fail(.unmount, path: "/mnt/nfs", with: QuiesceError(.timedOut, operation: "umount /mnt/nfs", path: "/mnt/nfs",
            "umount /mnt/nfs: no answer from server 10.0.9.1 within 30 s (nfs4 10.0.9.1:/srv/nfs); the child was killed"))
        let error = try #require(h.run(Self.plan(Self.reachable)))
        #expect(error.code == .timedOut)
        #expect(error.stepIndex == 1)
        #expect(error.message.contains("/mnt/nfs") && error.message.contains("10.0.9.1"))
        #expect(h.base.services.calls.isEmpty, "nothing isolated: the network unmount comes first")
        #expect(h.base.mounts.calls.isEmpty)
        #expect(error.rolledBack == ["unload the kernel"])
        #expect(h.base.loader.calls.last == .unload(crash: false))
    }

    @Test func aLaterFailureMountsTheNetworkFileSystemAgainAfterTheDefaultTargetIsBack() throws {
        let h = Harness()
        h.base.mounts.fail(.remountReadOnly, path: "/", with: injected(.resourceBusy, "remount", path: "/"))
        let error = try #require(h.run(Self.plan(Self.reachable)))
        #expect(error.code == .busy)
        let isolateBack = try #require(error.rolledBack.firstIndex(of: "isolate graphical.target"))
        let mountAgain = try #require(error.rolledBack.firstIndex(of: "mount 10.0.9.1:/srv/nfs at /mnt/nfs again"))
        #expect(isolateBack < mountAgain, "the network is up again only after the default target")
        #expect(h.network.calls.last == .init(.mountAgain, "/mnt/nfs", server: "10.0.9.1", timeout: .seconds(30)))
        #expect(error.rollbackFailures.isEmpty)
    }

    @Test func aDetachStepDetachesLazilyAndIsNotMountedAgainOnRollback() throws {
        let h = Harness()
        #expect(h.run(Self.plan(Self.detach)) == nil)
        #expect(h.network.calls == [.init(.unmount, "/mnt/nfs", server: "10.0.9.1", detach: true, force: true, timeout: .seconds(30))])
        let notes = h.events.compactMap { if case .finished(1, _, _, let note?) = $0 { note } else { nil } }
        #expect(notes == ["server 10.0.9.1 did not answer: detached lazily"])

        let failing = Harness()
        failing.base.mounts.fail(.remountReadOnly, path: "/", with: injected(.resourceBusy, "remount", path: "/"))
        let error = try #require(failing.run(Self.plan(Self.detach)))
        #expect(!failing.network.calls.contains { $0.operation == .mountAgain })
        #expect(error.rollbackFailures.contains { $0.contains("not tried, server 10.0.9.1 did not answer") })
    }

    @Test func aBusyNetworkMountIsMadeReadOnlyInsteadAndMadeWritableAgainOnRollback() throws {
        let h = Harness()
        h.network.fail(.unmount, path: "/mnt/nfs", with: injected(.resourceBusy, "umount /mnt/nfs", path: "/mnt/nfs"))
        h.base.mounts.fail(.remountReadOnly, path: "/", with: injected(.resourceBusy, "remount", path: "/"))
        let error = try #require(h.run(Self.plan(Self.reachable)))
        #expect(h.network.calls.map(\.operation) == [.unmount, .remountReadOnly, .remountReadWrite])
        #expect(error.rolledBack.contains("remount /mnt/nfs read-write"))
    }
}
