@testable import Execution
import Quiesce
import KexecCore
import RebootPlan
import LinuxSystem
import KrebootTestSupport
import Testing

/// What the new steps undo: swaps on again, unmounted file systems mounted again with their recorded entries,
/// the journal flushed back to /var — all before the default target is isolated again.
@Suite struct ExecutorUndoTests {
    typealias H = ExecutorHarness
    static let swapFile = SwapArea(path: "/swap.img", kind: .file, sizeBytes: 1 << 30, usedBytes: 4 << 20)
    static let swapPartition = SwapArea(path: "/dev/vda3", kind: .partition)

    /// The full plan with two swap areas turned off right after the isolate.
    static var swapPlan: RebootPlan {
        var plan = H.fullPlan
        plan.steps.insert(contentsOf: [.swapOff(swapFile), .swapOff(swapPartition)], at: 2)
        return plan
    }

    @Test func swapsAreTurnedOffInPlanOrder() {
        let h = H()
        #expect(h.run(Self.swapPlan) == nil)
        #expect(h.swaps.calls == [.swapOff("/swap.img"), .swapOff("/dev/vda3")])
        #expect(h.journal.records.contains { $0.fields["SWAP_PATH"] == "/swap.img" })
        #expect(h.loader.calls.last == .exec)
    }

    @Test func aLaterFailureTurnsTheSwapsOnAgainInReverseOrder() throws {
        let h = H()
        h.mounts.fail(.sync, with: injected(.ioError, "syncfs"))
        let error = try #require(h.run(Self.swapPlan))
        #expect(error.step == .sync)
        #expect(h.swaps.calls == [.swapOff("/swap.img"), .swapOff("/dev/vda3"), .swapOn("/dev/vda3"), .swapOn("/swap.img")])
        #expect(h.swaps.active == ["/dev/vda3", "/swap.img"])
        let actions = h.rollbackActions
        let swapOn = try #require(actions.firstIndex(of: "swap on /dev/vda3"))
        #expect(actions[swapOn + 1] == "swap on /swap.img")
        #expect(swapOn < actions.firstIndex(of: "isolate graphical.target")!)
        #expect(error.rolledBack == actions)
    }

    @Test func aSwapThatWouldNotGoOffIsNotTurnedOn() {
        let h = H()
        h.swaps.fail(.swapOff, path: "/dev/vda3", with: injected(.noMemory, "swapoff /dev/vda3", path: "/dev/vda3"))
        let error = h.run(Self.swapPlan)
        #expect(error?.stepIndex == 3)
        #expect(error?.path == "/dev/vda3")
        #expect(h.swaps.calls == [.swapOff("/swap.img"), .swapOff("/dev/vda3"), .swapOn("/swap.img")])
        #expect(error?.rolledBack == ["swap on /swap.img", "isolate graphical.target", "unload the kernel"])
        #expect(h.mounts.calls.isEmpty)
    }

    @Test func anUnmountedFileSystemIsMountedAgainWithItsEntryBeforeTheIsolate() throws {
        let h = H()
        h.mounts.fail(.sync, with: injected(.ioError, "syncfs"))
        _ = try #require(h.run())
        // The entries as the plan recorded them: source, type and both option strings.
        #expect(h.mounts.calls.filter { if case .mountAgain = $0 { true } else { false } } == [.mountAgain(H.backup), .mountAgain(H.data)])
        let again = try #require(h.mounts.mounts.last { $0.target == "/srv/data" })
        #expect(again == H.data)
        let actions = h.rollbackActions
        let isolate = try #require(actions.firstIndex(of: "isolate graphical.target"))
        #expect(actions.firstIndex(of: "mount /dev/vdb at /srv/data again")! < isolate)
        #expect(actions.firstIndex(of: "mount /dev/vdc at /srv/backup again")! < isolate)
        #expect(h.services.calls.last == .isolate("graphical.target"))
    }

    @Test func aMountThatCannotComeBackIsReportedAndTheRestStillRuns() {
        let h = H()
        h.mounts.fail(.sync, with: injected(.ioError, "syncfs"))
        h.mounts.fail(.mountAgain, path: "/srv/backup", with: injected(.noSuchFileOrDirectory, "mount /srv/backup", path: "/srv/backup"))
        let error = h.run()
        #expect(error?.rollbackFailures.count == 1)
        #expect(error?.rollbackFailures.first?.hasPrefix("mount /dev/vdc at /srv/backup again:") == true)
        #expect(error?.rolledBack.contains("mount /dev/vdb at /srv/data again") == true)
        #expect(error?.rolledBack.suffix(2) == ["isolate graphical.target", "unload the kernel"])
        #expect(!h.mounts.mounts.contains { $0.target == "/srv/backup" })
    }

    @Test func aFailureAfterTheJournalMovedFlushesItBackBeforeTheIsolate() {
        let h = H()
        h.mounts.fail(.remountReadOnly, path: "/", with: injected(.ioError, "remount /", path: "/"))
        let error = h.run()
        #expect(error?.step == .remountReadOnly(path: "/"))
        #expect(h.services.calls.suffix(3) == [.relinquishJournal, .flushJournal, .isolate("graphical.target")])
        #expect(error?.rolledBack.contains("move the journal back to /var") == true)
    }

    @Test func aFlushThatFailsIsARollbackFailure() {
        let h = H()
        h.mounts.fail(.sync, with: injected(.ioError, "syncfs"))
        h.services.fail(.flushJournal, with: injected(.connectionRefused, "io.systemd.Journal.FlushToVar"))
        let error = h.run()
        #expect(error?.rollbackFailures.first?.hasPrefix("move the journal back to /var:") == true)
        #expect(error?.rolledBack.suffix(2) == ["isolate graphical.target", "unload the kernel"])
    }

    @Test func aPlanForAnotherRootIsRefusedAndNothingIsDone() {
        let h = H()
        var plan = H.fullPlan
        plan.root = "/mnt/image"
        plan.isForRunningSystem = false
        #expect(plan.ok)
        let error = h.run(plan)
        #expect(error?.code == .planRefused)
        #expect(error?.message.contains("/mnt/image") == true)
        #expect(h.loader.calls.isEmpty)
        #expect(h.services.calls.isEmpty)
        #expect(h.mounts.calls.isEmpty)
        #expect(h.swaps.calls.isEmpty)
        #expect(h.grubEnvironment.calls.isEmpty)
        #expect(h.events.isEmpty)
    }
}
