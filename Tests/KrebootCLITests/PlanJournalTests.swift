@testable import kreboot
import LinuxSystem
import Quiesce
import RebootPlan
import KexecCore
import Synchronization
import Testing

/// A journal that keeps records in memory (KrebootTestSupport's is not linked into the CLI tests).
final class KeptJournal: JournalRecorder {
    private let kept = Mutex<[JournalRecord]>([])
    var records: [JournalRecord] { kept.withLock { $0 } }
    func record(_ record: JournalRecord) { kept.withLock { $0.append(record) } }
}

/// The `planned` journal record that a dry run (and a real run, before anything happens) leaves.
@Suite struct PlanJournalTests {
    static let target = BootTarget(kernel: "/boot/vmlinuz-6.1.0-27-amd64", initrds: ["/boot/initrd.img-6.1.0-27-amd64"],
                                   commandLine: "root=UUID=1234 ro quiet", release: "6.1.0-27-amd64",
                                   source: .init(kind: .grub, id: "gnulinux-simple", file: "/boot/grub/grub.cfg"))
    static let steps: [PlanStep] = [
        .load(KexecImage(kernel: target.kernel, initrds: target.initrds, commandLine: target.commandLine)),
        .isolate(unit: "rescue.target"), .remountReadOnly(path: "/"), .sync, .exec,
    ]

    @Test func dryRunOnTheRealRootRecordsPlannedWithTheTarget() throws {
        let journal = KeptJournal()
        let plan = RebootPlan(mode: .reboot, target: Self.target, steps: Self.steps, checks: [PlanCheck(.root, .pass, "root")])
        PlanJournal(journal: journal).send(plan, dryRun: true)
        let record = try #require(journal.records.first)
        #expect(journal.records.count == 1)
        #expect(record.id == .planned)
        #expect(record.id.rawValue == "9c3c658e39b4401eb1d456ab034b3dd9")
        #expect(record.priority == .info)
        #expect(record.message == "kreboot: planned reboot into 6.1.0-27-amd64 (dry run): 5 steps")
        #expect(record.fields["DRY_RUN"] == "1")
        #expect(record.fields["PLAN_MODE"] == "reboot")
        #expect(record.fields["KERNEL"] == "/boot/vmlinuz-6.1.0-27-amd64")
        #expect(record.fields["COMMAND_LINE"] == "root=UUID=1234 ro quiet")
        #expect(record.fields["CHECK"] == nil)
    }

    @Test func refusedPlanIsAWarningNamingTheFailedCheck() throws {
        let journal = KeptJournal()
        let plan = RebootPlan(mode: .kdumpTest, target: nil, steps: [],
                              checks: [PlanCheck(.root, .pass, "root"), PlanCheck(.crashkernel, .fail, "no crashkernel= reservation")])
        PlanJournal(journal: journal).send(plan, dryRun: false)
        let record = try #require(journal.records.first)
        #expect(record.priority == .warning)
        #expect(record.message == "kreboot: planned kdump test: refused: crashkernel: no crashkernel= reservation")
        #expect(record.fields["CHECK"] == "crashkernel")
        #expect(record.fields["PLAN_OK"] == "0")
        #expect(record.fields["DRY_RUN"] == "0")
    }

    @Test func planForAnotherRootIsNotRecorded() {
        let journal = KeptJournal()
        let plan = RebootPlan(mode: .reboot, target: Self.target, steps: Self.steps, checks: [], root: "/mnt/image")
        PlanJournal(journal: journal).send(plan, dryRun: true)
        #expect(journal.records.isEmpty)
    }
}
