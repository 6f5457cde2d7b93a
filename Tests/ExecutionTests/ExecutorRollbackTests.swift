import LinuxSystem
import KexecCore
import Quiesce
import RebootPlan
import SystemPackage
import Testing

/// A failure injected at each step of the full plan (two data mounts) rolls back exactly what was done before it,
/// and nothing of the plan runs after it.
@Suite struct ExecutorRollbackTests {
    typealias H = ExecutorHarness

    struct Case: Sendable, CustomTestStringConvertible {
        var index: Int
        var services: [RecordingServiceManager.Call]
        var mounts: [RecordingMountOperations.Call]
        var loader: [RecordingKexecLoader.Call]
        var rolledBack: [String]
        var testDescription: String { "failure at step \(index): \(H.fullPlan.steps[index].action.rawValue)" }
    }

    static let load = RecordingKexecLoader.Call.load(H.image, crash: false)
    static let cases: [Case] = [
        Case(index: 0, services: [], mounts: [], loader: [load], rolledBack: []),
        Case(index: 1, services: [.defaultTarget, .isolate("rescue.target"), .isolate("graphical.target")],
             mounts: [], loader: [load, .unload(crash: false)],
             rolledBack: ["isolate graphical.target", "unload the kernel"]),
        Case(index: 2, services: [.defaultTarget, .isolate("rescue.target"), .isolate("graphical.target")],
             mounts: [.unmount("/srv/data")], loader: [load, .unload(crash: false)],
             rolledBack: ["isolate graphical.target", "unload the kernel"]),
        Case(index: 3, services: [.defaultTarget, .isolate("rescue.target"), .isolate("graphical.target")],
             mounts: [.unmount("/srv/data"), .unmount("/srv/backup")], loader: [load, .unload(crash: false)],
             rolledBack: ["isolate graphical.target", "unload the kernel"]),
        Case(index: 4, services: [.defaultTarget, .isolate("rescue.target"), .relinquishJournal, .flushJournal,
                                  .isolate("graphical.target")],
             // The harness retries a busy remount twice, syncing before each retry.
             mounts: [.unmount("/srv/data"), .unmount("/srv/backup"), .remountReadOnly("/"), .sync("/"), .remountReadOnly("/"),
                      .sync("/"), .remountReadOnly("/"), .writers("/")],
             loader: [load, .unload(crash: false)],
             rolledBack: ["move the journal back to /var", "isolate graphical.target", "unload the kernel"]),
        Case(index: 5, services: [.defaultTarget, .isolate("rescue.target"), .relinquishJournal, .flushJournal,
                                  .isolate("graphical.target")],
             mounts: [.unmount("/srv/data"), .unmount("/srv/backup"), .remountReadOnly("/"), .sync(nil),
                      .remountReadWrite("/")],
             loader: [load, .unload(crash: false)],
             rolledBack: ["remount / read-write", "move the journal back to /var", "isolate graphical.target",
                          "unload the kernel"]),
        Case(index: 6, services: [.defaultTarget, .isolate("rescue.target"), .relinquishJournal, .flushJournal,
                                  .isolate("graphical.target")],
             mounts: [.unmount("/srv/data"), .unmount("/srv/backup"), .remountReadOnly("/"), .sync(nil),
                      .readWriteLocalMounts, .remountReadWrite("/")],
             loader: [load, .exec, .unload(crash: false)],
             rolledBack: ["remount / read-write", "move the journal back to /var", "isolate graphical.target",
                          "unload the kernel"]),
    ]

    /// Makes step `index` of the full plan fail with a non-busy error.
    static func injectFailure(at index: Int, into h: H) {
        let step = H.fullPlan.steps[index]
        switch step.action {
        case .load: h.loader.fail("load", with: KexecError(.unavailable, operation: "load", errno: .notPermitted, "injected"))
        case .isolate: h.services.fail(.isolate, unit: step.unit, with: injected(.timedOut, "isolate rescue.target"))
        case .unmount: h.mounts.fail(.unmount, path: step.path, with: injected(.invalidArgument, "umount", path: step.path))
        case .remountReadOnly: h.mounts.fail(.remountReadOnly, path: step.path, with: injected(.resourceBusy, "remount", path: step.path))
        case .sync: h.mounts.fail(.sync, with: injected(.ioError, "syncfs"))
        case .exec: h.loader.fail("exec", with: KexecError(.failed, operation: "exec", errno: .invalidArgument, "injected"))
        case .loadCrash, .panic, .clearGrubNextEntry: Issue.record("not in the full plan")
        }
    }

    @Test(arguments: cases)
    func failureRollsBackExactlyWhatWasDone(_ c: Case) {
        #expect(Self.cases.count == H.fullPlan.steps.count)
        let h = H()
        Self.injectFailure(at: c.index, into: h)
        let error = h.run()
        #expect(error?.stepIndex == c.index)
        #expect(error?.step == H.fullPlan.steps[c.index])
        #expect(error?.rolledBack == c.rolledBack)
        #expect(error?.rollbackFailures == [])
        #expect(h.services.calls == c.services)
        #expect(h.mounts.calls == c.mounts)
        #expect(h.loader.calls == c.loader)
        // Only the steps before the failure finished.
        #expect(h.finishedSteps == Array(H.fullPlan.steps.prefix(c.index)))
        // After a rollback no local file system is left read-only that was read-write before (unmounted ones
        // come back through the default target, which the fake does not simulate).
        #expect(!h.mounts.mounts.contains { $0.target == "/" && $0.isReadOnly })
        if c.index > 0 {
            #expect(h.journal.records.last?.id == .rolledBack)
        }
    }

    @Test func aFailingRollbackActionIsReportedAndTheOthersStillRun() {
        let h = H()
        h.mounts.fail(.sync, with: injected(.ioError, "syncfs"))
        h.mounts.fail(.remountReadWrite, path: "/", with: injected(.resourceBusy, "remount / read-write", path: "/"))
        let error = h.run()
        #expect(error?.step == .sync)
        #expect(error?.rolledBack == ["move the journal back to /var", "isolate graphical.target", "unload the kernel"])
        #expect(error?.rollbackFailures.count == 1)
        #expect(error?.rollbackFailures.first?.hasPrefix("remount / read-write:") == true)
    }
}
