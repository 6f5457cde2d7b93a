@testable import Execution
import Quiesce
import KexecCore
import RebootPlan
import LinuxSystem
import KrebootTestSupport
import SystemPackage
import Testing

@Suite struct ExecutorTests {
    typealias H = ExecutorHarness

    @Test func runsExactlyThePlanStepsInOrder() throws {
        let h = H()
        let error = h.run()
        #expect(error == nil)
        #expect(h.finishedSteps == H.fullPlan.steps)
        #expect(h.loader.calls == [.load(H.image, crash: false), .exec])
        #expect(h.services.calls == [.defaultTarget, .isolate("rescue.target"), .relinquishJournal])
        #expect(h.mounts.calls == [.unmount("/srv/data"), .unmount("/srv/backup"), .remountReadOnly("/"), .sync(nil),
                                   .readWriteLocalMounts])
        // Each step is reported started then finished, with its index.
        var started: [Int] = []
        for case .started(let index, _, _) in h.events { started.append(index) }
        #expect(started == Array(H.fullPlan.steps.indices))
    }

    @Test func journalGetsEachStepAndTheOutcome() {
        let h = H()
        #expect(h.run() == nil)
        let ids = h.journal.records.map(\.id)
        #expect(ids.filter { $0 == .step }.count == H.fullPlan.steps.count)
        #expect(ids.contains(.loaded))
        #expect(ids.firstIndex(of: .quiesced)! < ids.firstIndex(of: .executed)!)
        #expect(!ids.contains(.rolledBack))
        let unmountRecord = h.journal.records.first { $0.fields["STEP_INDEX"] == "2" }
        #expect(unmountRecord?.fields["MOUNT_PATH"] == "/srv/data")
        #expect(unmountRecord?.fields["DURATION_USEC"] != nil)
    }

    @Test func journaldIsRelinquishedJustBeforeRootGoesReadOnly() {
        let h = H()
        #expect(h.run() == nil)
        // The relinquish is the last service call, and the root remount follows the two unmounts.
        #expect(h.services.calls.last == .relinquishJournal)
        #expect(h.mounts.calls.firstIndex(of: .remountReadOnly("/")) == 2)
        // It is a step of its own, right before the remount of the file system holding the journal.
        let moved = h.finishedSteps.firstIndex(of: .moveJournal(journalDirectory: H.journalDirectory))
        #expect(moved != nil && moved.map { h.finishedSteps[$0 + 1] } == .remountReadOnly(path: "/"))
    }

    @Test func refusesAPlanWithAFailedCheck() {
        let h = H()
        var plan = H.fullPlan
        plan.checks.append(PlanCheck(.sessions, .fail, "2 users logged in"))
        plan = RebootPlan(mode: plan.mode, target: plan.target, steps: plan.steps, checks: plan.checks, policy: plan.policy)
        #expect(!plan.ok)
        let error = h.run(plan)
        #expect(error?.code == .planRefused)
        #expect(error?.message.contains("2 users logged in") == true)
        #expect(h.loader.calls.isEmpty)
        #expect(h.services.calls.isEmpty)
        #expect(h.mounts.calls.isEmpty)
    }

    @Test func busyUnmountFallsBackToRemountReadOnly() {
        let h = H()
        h.mounts.fail(.unmount, path: "/srv/data", with: injected(.resourceBusy, "umount /srv/data", path: "/srv/data"))
        #expect(h.run() == nil)
        #expect(h.mounts.calls.prefix(3) == [.unmount("/srv/data"), .remountReadOnly("/srv/data"), .unmount("/srv/backup")])
        #expect(h.notes[2]?.contains("remounted read-only instead") == true)
        #expect(h.loader.calls.last == .exec)
    }

    @Test func aRootBusyForAMomentIsSyncedAndRemountedAgain() {
        let h = H()
        h.mounts.fail(.remountReadOnly, path: "/", with: injected(.resourceBusy, "remount /", path: "/"), times: 2)
        #expect(h.run() == nil)
        #expect(h.mounts.calls.filter { $0 != .readWriteLocalMounts }.suffix(6) ==
                [.remountReadOnly("/"), .sync("/"), .remountReadOnly("/"), .sync("/"), .remountReadOnly("/"), .sync(nil)])
        #expect(h.notes[5] == "/ was busy; read-only after 2 retries")
        #expect(h.loader.calls.last == .exec)
    }

    @Test func aRootThatStaysBusyFailsAfterTheRetries() {
        let h = H()
        h.mounts.fail(.remountReadOnly, path: "/", with: injected(.resourceBusy, "remount /", path: "/"))
        let error = h.run()
        #expect(error?.code == .busy)
        #expect(error?.step == .remountReadOnly(path: "/"))
        #expect(h.mounts.calls.filter { $0 == .remountReadOnly("/") }.count == 1 + H.busyRetry.attempts)
        #expect(!h.loader.calls.contains(.exec))
    }

    @Test func otherRemountErrorsAreNotRetried() {
        let h = H()
        h.mounts.fail(.remountReadOnly, path: "/", with: injected(.ioError, "remount /", path: "/"))
        let error = h.run()
        #expect(error?.errno == .ioError)
        #expect(h.mounts.calls.filter { $0 == .remountReadOnly("/") }.count == 1)
    }

    @Test func busyUnmountThatCannotBeRemountedRollsBackWithTheWriters() {
        let writer = MountWriter(pid: 4242, command: "postgres", file: "/srv/data/base/1/1259")
        let h = H(writers: ["/srv/data": [writer]])
        h.mounts.fail(.unmount, path: "/srv/data", with: injected(.resourceBusy, "umount /srv/data", path: "/srv/data"))
        h.mounts.fail(.remountReadOnly, path: "/srv/data", with: injected(.resourceBusy, "remount /srv/data", path: "/srv/data"))
        let error = h.run()
        #expect(error?.code == .busy)
        #expect(error?.stepIndex == 2)
        #expect(error?.path == "/srv/data")
        #expect(error?.errno == .resourceBusy)
        #expect(error?.blockers == [writer])
        #expect(error?.rolledBack == ["isolate graphical.target", "unload the kernel"])
        #expect(!h.loader.calls.contains(.exec))
    }

    @Test func aMountMadeReadOnlyAsFallbackIsMadeWritableAgainOnRollback() {
        let h = H()
        h.mounts.fail(.unmount, path: "/srv/data", with: injected(.resourceBusy, "umount /srv/data", path: "/srv/data"))
        h.mounts.fail(.sync, with: injected(.ioError, "syncfs"))
        let error = h.run()
        #expect(error?.step == .sync)
        #expect(error?.rolledBack == ["remount / read-write", "remount /srv/data read-write",
                                      "mount /dev/vdc at /srv/backup again",
                                      "move the journal back to /var", "isolate graphical.target", "unload the kernel"])
        #expect(h.mounts.mounts.filter(\.isLocalReadWrite).map(\.target) == ["/", "/srv/data", "/srv/backup"])
    }

    @Test func noExecWhileALocalReadWriteMountRemains() {
        let home = MountEntry(source: "/dev/vdd", target: "/home", fstype: "ext4", vfsOptions: "rw", fsOptions: "rw")
        let h = H(extraMounts: [home])
        let error = h.run()
        #expect(error?.code == .unsafeMounts)
        #expect(error?.step == .exec)
        #expect(error?.path == "/home")
        #expect(!h.loader.calls.contains(.exec))
        #expect(error?.rolledBack == ["remount / read-write", "mount /dev/vdc at /srv/backup again",
                                      "mount /dev/vdb at /srv/data again", "move the journal back to /var",
                                      "isolate graphical.target", "unload the kernel"])
    }

    /// `--force` is gone: the overrides a plan carries (sessions, inhibitors) do not reach the read-write gate.
    @Test func theReadWriteGateHasNoOverride() {
        let home = MountEntry(source: "/dev/vdd", target: "/home", fstype: "ext4", vfsOptions: "rw", fsOptions: "rw")
        let h = H(extraMounts: [home])
        var plan = H.fullPlan
        plan.policy = RunPolicy(ignoreSessions: true, ignoreInhibitors: true, busyRetry: H.busyRetry)
        let error = h.run(plan)
        #expect(error?.code == .unsafeMounts)
        #expect(error?.message.contains("/home (/dev/vdd)") == true)
        #expect(!h.loader.calls.contains(.exec))
        #expect(h.mounts.calls.contains(.readWriteLocalMounts))
        #expect(h.loader.calls.last == .unload(crash: false))
    }

    @Test func kdumpTestPanicsAndUnloadsTheCaptureKernelOnFailure() {
        let ok = H()
        #expect(ok.run(H.kdumpPlan) == nil)
        #expect(ok.loader.calls == [.load(H.image, crash: true), .panic])
        #expect(ok.journal.records.map(\.id).contains(.kdumpTestPending))

        let failing = H()
        failing.loader.fail("panic", with: KexecError(.failed, operation: "panic", errno: .permissionDenied,
                                                        "/proc/sysrq-trigger: permission denied"))
        let error = failing.run(H.kdumpPlan)
        #expect(error?.step == .panic)
        #expect(error?.kexec?.operation == "panic")
        #expect(failing.loader.calls == [.load(H.image, crash: true), .panic, .unload(crash: true)])
    }

    @Test func aFailedLoadTouchesNothingElse() {
        let h = H()
        h.loader.fail("load", with: KexecError(.badImage, operation: "load", path: H.image.kernel, errno: .invalidArgument,
                                               "vmlinuz: not a kernel image"))
        let error = h.run()
        #expect(error?.code == .loadFailed)
        #expect(error?.kexec?.code == .badImage)
        #expect(error?.rolledBack == [])
        #expect(h.services.calls.isEmpty)
        #expect(h.mounts.calls.isEmpty)
        #expect(h.loader.calls == [.load(H.image, crash: false)])
    }
}
