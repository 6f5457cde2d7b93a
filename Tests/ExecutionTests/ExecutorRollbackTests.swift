@testable import Execution
import Quiesce
import KexecCore
import RebootPlan
import LinuxSystem
import KrebootTestSupport
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
    static let quiesced: [RecordingServiceManager.Call] = [.defaultTarget, .isolate("rescue.target")]
    static let unmounted: [RecordingMountOperations.Call] = [.unmount("/srv/data"), .unmount("/srv/backup")]
    /// The rollback mounts again what was unmounted, newest first, with the entries the plan recorded.
    static let mountedAgain: [RecordingMountOperations.Call] = [.mountAgain(H.backup), .mountAgain(H.data)]
    static let mountedAgainActions = ["mount /dev/vdc at /srv/backup again", "mount /dev/vdb at /srv/data again"]
    static let cases: [Case] = [
        Case(index: 0, services: [], mounts: [], loader: [load], rolledBack: []),
        Case(index: 1, services: quiesced + [.isolate("graphical.target")],
             mounts: [], loader: [load, .unload(crash: false)],
             rolledBack: ["isolate graphical.target", "unload the kernel"]),
        Case(index: 2, services: quiesced + [.isolate("graphical.target")],
             mounts: [.unmount("/srv/data")], loader: [load, .unload(crash: false)],
             rolledBack: ["isolate graphical.target", "unload the kernel"]),
        Case(index: 3, services: quiesced + [.isolate("graphical.target")],
             mounts: unmounted + [.mountAgain(H.data)], loader: [load, .unload(crash: false)],
             rolledBack: ["mount /dev/vdb at /srv/data again", "isolate graphical.target", "unload the kernel"]),
        // A failed move of the journal: journald may have left /var although the answer failed, so it is
        // flushed back (harmless when it had not moved).
        Case(index: 4, services: quiesced + [.relinquishJournal, .flushJournal, .isolate("graphical.target")],
             mounts: unmounted + mountedAgain, loader: [load, .unload(crash: false)],
             rolledBack: mountedAgainActions + ["move the journal back to /var", "isolate graphical.target", "unload the kernel"]),
        Case(index: 5, services: quiesced + [.relinquishJournal, .flushJournal, .isolate("graphical.target")],
             // The harness retries a busy remount twice, syncing before each retry.
             mounts: unmounted + [.remountReadOnly("/"), .sync("/"), .remountReadOnly("/"), .sync("/"), .remountReadOnly("/"),
                                  .writers("/")] + mountedAgain,
             loader: [load, .unload(crash: false)],
             rolledBack: mountedAgainActions + ["move the journal back to /var", "isolate graphical.target", "unload the kernel"]),
        Case(index: 6, services: quiesced + [.relinquishJournal, .flushJournal, .isolate("graphical.target")],
             mounts: unmounted + [.remountReadOnly("/"), .sync(nil), .remountReadWrite("/")] + mountedAgain,
             loader: [load, .unload(crash: false)],
             rolledBack: ["remount / read-write"] + mountedAgainActions + ["move the journal back to /var",
                          "isolate graphical.target", "unload the kernel"]),
        Case(index: 7, services: quiesced + [.relinquishJournal, .flushJournal, .isolate("graphical.target")],
             mounts: unmounted + [.remountReadOnly("/"), .sync(nil), .readWriteLocalMounts, .remountReadWrite("/")] + mountedAgain,
             loader: [load, .exec, .unload(crash: false)],
             rolledBack: ["remount / read-write"] + mountedAgainActions + ["move the journal back to /var",
                          "isolate graphical.target", "unload the kernel"]),
    ]

    /// Makes step `index` of the full plan fail with a non-busy error.
    static func injectFailure(at index: Int, into h: H) {
        switch H.fullPlan.steps[index] {
        case .load: h.loader.fail("load", with: KexecError(.unavailable, operation: "load", errno: .notPermitted, "injected"))
        case .isolate(let unit): h.services.fail(.isolate, unit: unit, with: injected(.timedOut, "isolate rescue.target"))
        case .unmount(let mount, _):
            h.mounts.fail(.unmount, path: mount.target, with: injected(.invalidArgument, "umount", path: mount.target))
        case .moveJournal: h.services.fail(.relinquishJournal, with: injected(.connectionRefused, "io.systemd.Journal.RelinquishVar"))
        case .remountReadOnly(let path): h.mounts.fail(.remountReadOnly, path: path, with: injected(.resourceBusy, "remount", path: path))
        case .sync: h.mounts.fail(.sync, with: injected(.ioError, "syncfs"))
        case .exec: h.loader.fail("exec", with: KexecError(.failed, operation: "exec", errno: .invalidArgument, "injected"))
        default: Issue.record("not in the full plan")
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
        // After a rollback every local file system that was mounted read-write is mounted read-write again.
        #expect(Set(h.mounts.mounts.filter(\.isLocalReadWrite).map(\.target)) == ["/", "/srv/data", "/srv/backup"])
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
        #expect(error?.rolledBack == Self.mountedAgainActions + ["move the journal back to /var", "isolate graphical.target",
                                                                 "unload the kernel"])
        #expect(error?.rollbackFailures.count == 1)
        #expect(error?.rollbackFailures.first?.hasPrefix("remount / read-write:") == true)
    }
}
