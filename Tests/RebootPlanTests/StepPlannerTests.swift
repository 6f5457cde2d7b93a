@testable import RebootPlan
import LinuxSystem
import KexecCore
import Testing

/// The order of the quiesce steps: swaps off after the isolate and before any file system is touched, the
/// journal moved right before the file system holding it goes, and `--via systemd`'s own short list.
@Suite struct StepPlannerTests {
    typealias P = RebootPlannerTests
    static let image = KexecImage(kernel: P.kernel61, initrds: ["/boot/initrd.img-6.1.0-28-amd64"], commandLine: "root=UUID=abc ro quiet")
    static let varLog = MountEntry(id: 6, parentID: 1, source: "/dev/nvme0n4", target: "/var/log", fstype: "ext4")
    static let swapFile = SwapArea(path: "/swap.img", kind: .file, sizeBytes: 2 << 30, usedBytes: 300 << 20)

    /// The index of the first step that unmounts or remounts a file system.
    static func firstFileSystemStep(_ steps: [PlanStep]) -> Int? {
        steps.firstIndex { $0.action == .unmount || $0.action == .remountReadOnly }
    }

    @Test func aSwapFileIsTurnedOffAfterTheIsolateAndBeforeAnyFileSystem() throws {
        var snapshot = P.snapshot()
        snapshot.swaps = [Self.swapFile, SwapArea(path: "/dev/nvme0n1p3", kind: .partition)]
        snapshot.memAvailableBytes = 1 << 30
        let plan = RebootPlanner.plan(snapshot, PlanOptions())
        let isolate = try #require(plan.steps.firstIndex(of: .isolate(unit: "rescue.target")))
        let swapOffs = plan.steps.indices.filter { plan.steps[$0].action == .swapOff }
        #expect(swapOffs.map { plan.steps[$0] } == [.swapOff(Self.swapFile), .swapOff(SwapArea(path: "/dev/nvme0n1p3", kind: .partition))])
        #expect(swapOffs.allSatisfy { $0 > isolate })
        #expect(swapOffs.allSatisfy { $0 < Self.firstFileSystemStep(plan.steps)! })
        #expect(plan.checks.first { $0.id == .swap }?.status == .pass)
    }

    @Test func theJournalMovesRightBeforeItsOwnFileSystemIsUnmounted() throws {
        var snapshot = P.snapshot()
        snapshot.mounts.append(Self.varLog)
        snapshot.persistentJournal = "/var/log/journal"
        let steps = RebootPlanner.plan(snapshot, PlanOptions()).steps
        let move = try #require(steps.firstIndex(of: .moveJournal(journalDirectory: "/var/log/journal")))
        #expect(steps[move + 1] == .unmount(Self.varLog))
        #expect(steps.filter { $0.action == .moveJournal }.count == 1)
        #expect(steps.firstIndex(of: .remountReadOnly(path: "/"))! > move)
    }

    @Test func aJournalOnRootMovesRightBeforeRootGoesReadOnly() throws {
        var snapshot = P.snapshot()
        snapshot.persistentJournal = "/var/log/journal"
        let steps = RebootPlanner.plan(snapshot, PlanOptions()).steps
        let move = try #require(steps.firstIndex(of: .moveJournal(journalDirectory: "/var/log/journal")))
        #expect(steps[move + 1] == .remountReadOnly(path: "/"))
        #expect(steps.suffix(3) == [.remountReadOnly(path: "/"), .sync, .exec])
        // The other unmounts come first: they do not hold the journal.
        #expect(steps[..<move].contains(.unmount(P.snapshot().mounts[2])))
    }

    @Test func aVolatileJournalIsNotMoved() {
        let steps = RebootPlanner.plan(P.snapshot(), PlanOptions()).steps
        #expect(!steps.contains { $0.action == .moveJournal })
    }

    @Test func viaSystemdIsLoadThenHandOverAndNothingElse() {
        var snapshot = P.snapshot()
        snapshot.swaps = [Self.swapFile]
        snapshot.persistentJournal = "/var/log/journal"
        let options = PlanOptions(policy: RunPolicy(strategy: .systemd))
        let plan = RebootPlanner.plan(snapshot, options)
        #expect(plan.steps == [.load(Self.image), .handOver(unit: "kexec.target", mode: "replace-irreversibly")])
        #expect(plan.policy.strategy == .systemd)
        // systemd's shutdown turns swaps off: kreboot's swap check does not apply.
        #expect(!plan.checks.contains { $0.id == .swap })

        snapshot.bootLoader.oneTimeEntryFile = "/boot/grub/grubenv"
        #expect(RebootPlanner.plan(snapshot, options).steps ==
                [.load(Self.image), .clearGrubNextEntry(grubenv: "/boot/grub/grubenv"),
                 .handOver(unit: "kexec.target", mode: "replace-irreversibly")])
    }

    @Test func systemdBootsOneShotIsClearedRightAfterTheLoadUnlessAnEntryIsChosen() {
        var snapshot = P.snapshot()
        snapshot.bootLoader.systemdBootOneShot = "debian-6.1.0-28-amd64.efi"
        let clear = PlanStep.clearSystemdBootOneShot(variable: "LoaderEntryOneShot-4a67b082-0a4c-41cf-b6c7-440b29bb8c4f",
                                                     entry: "debian-6.1.0-28-amd64.efi")
        let steps = RebootPlanner.plan(snapshot, PlanOptions()).steps
        #expect(Array(steps.prefix(3)) == [.load(Self.image), clear, .isolate(unit: "rescue.target")])
        #expect(!RebootPlanner.plan(snapshot, PlanOptions(kernel: "/boot/vmlinuz-6.1.0-28-amd64")).steps.contains(clear))
        #expect(!RebootPlanner.plan(snapshot, PlanOptions(mode: .kdumpTest)).steps.contains(clear))
    }

    @Test func aKdumpTestIsNeverHandedOver() {
        let plan = RebootPlanner.plan(P.snapshot(), PlanOptions(mode: .kdumpTest, policy: RunPolicy(strategy: .systemd)))
        #expect(!plan.steps.contains { $0.action == .handOver })
        #expect(plan.steps.last == .panic)
    }

    @Test func theSwapCheckFailsWhenTheSwappedPagesDoNotFitInMemory() throws {
        var snapshot = P.snapshot()
        snapshot.swaps = [Self.swapFile]
        snapshot.memAvailableBytes = 200 << 20
        let tight = RebootPlanner.plan(snapshot, PlanOptions())
        let check = try #require(tight.checks.first { $0.id == .swap })
        #expect(check.status == .fail)
        #expect(check.message.contains("/swap.img"))
        #expect(!tight.ok)
        #expect(tight.firstFailure?.id == .swap)

        snapshot.memAvailableBytes = 300 << 20
        #expect(RebootPlanner.plan(snapshot, PlanOptions()).checks.first { $0.id == .swap }?.status == .pass)
        snapshot.memAvailableBytes = nil
        #expect(RebootPlanner.plan(snapshot, PlanOptions()).checks.first { $0.id == .swap }?.status == .warn)
        snapshot.swaps = []
        #expect(RebootPlanner.plan(snapshot, PlanOptions()).checks.first { $0.id == .swap }?.status == .pass)
    }

    /// `kreboot plan --test-kdump` and `kreboot --dry-run --test-kdump` parse to the same options; the planner
    /// is pure, so the same options give the same plan.
    @Test(arguments: [PlanOptions(mode: .kdumpTest), PlanOptions(), PlanOptions(policy: RunPolicy(strategy: .systemd)),
                      PlanOptions(entry: "1>0", policy: RunPolicy(ignoreSessions: true))])
    func theSameOptionsGiveTheSamePlan(_ options: PlanOptions) {
        var snapshot = P.snapshot()
        snapshot.swaps = [Self.swapFile]
        snapshot.memAvailableBytes = 1 << 30
        snapshot.persistentJournal = "/var/log/journal"
        let first = RebootPlanner.plan(snapshot, options)
        #expect(first == RebootPlanner.plan(snapshot, options))
        #expect(first.mode == options.mode)
        #expect(first.policy == options.policy)
    }
}
