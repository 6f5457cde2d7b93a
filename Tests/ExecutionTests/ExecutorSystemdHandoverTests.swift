@testable import Execution
import Quiesce
import KexecCore
import RebootPlan
import LinuxSystem
import KrebootTestSupport
import Testing

/// `--via systemd`: the plan's own steps (load, clear the one-time entry, hand over to kexec.target), run by
/// the same executor; what systemd refuses is rolled back like any other failure.
@Suite struct ExecutorSystemdHandoverTests {
    typealias H = ExecutorHarness
    static let grubenv = "/boot/grub/grubenv"
    static let handOver = PlanStep.handOver(unit: "kexec.target", mode: "replace-irreversibly")

    /// A `--via systemd` plan: load, (clearGrubNextEntry), handOver.
    static func plan(oneTime: Bool = false, checks: [PlanCheck] = []) -> RebootPlan {
        var steps: [PlanStep] = [.load(H.image)]
        if oneTime { steps.append(.clearGrubNextEntry(grubenv: grubenv)) }
        steps.append(handOver)
        return RebootPlan(mode: .reboot, target: H.fullPlan.target, steps: steps, checks: checks,
                          policy: RunPolicy(strategy: .systemd))
    }

    @Test func loadsThenStartsKexecTargetIrreversibly() {
        let h = H()
        #expect(h.run(Self.plan()) == nil)
        #expect(h.loader.calls == [.load(H.image, crash: false)])
        #expect(h.services.calls == [.enqueueStart(unit: "kexec.target", mode: "replace-irreversibly")])
        #expect(h.mounts.calls.isEmpty)
        #expect(h.swaps.calls.isEmpty)
        #expect(h.finishedSteps == Self.plan().steps)
        #expect(h.notes[1] == "systemd stops services, unmounts and executes the loaded kernel")
        #expect(h.journal.records.contains { $0.id == .executed && $0.fields["UNIT"] == "kexec.target" })
    }

    @Test func aRefusedLoadTouchesNoService() {
        let h = H()
        h.loader.fail("load", with: KexecError(.badImage, operation: "load", "bad image"))
        let error = h.run(Self.plan())
        #expect(error?.code == .loadFailed)
        #expect(error?.rolledBack == [])
        #expect(h.services.calls.isEmpty)
    }

    @Test func aRefusedStartUnloadsTheKernel() {
        let h = H()
        h.services.fail(.enqueueStart, with: QuiesceError(.failed, operation: "start kexec.target", "refused"))
        let error = h.run(Self.plan())
        #expect(error?.step == Self.handOver)
        #expect(error?.stepIndex == 1)
        #expect(error?.rolledBack == ["unload the kernel"])
        #expect(h.loader.calls == [.load(H.image, crash: false), .unload(crash: false)])
    }

    @Test func aGateThatStopsAfterTheLoadUnloadsAndStartsNothing() {
        let h = H()
        let executor = Executor(parts: h.parts, gate: { _, step throws(RunError) in
            if !step.isLoad { throw RunError(.interrupted, operation: "hand over to systemd", "interrupted") }
        })
        let error = #expect(throws: RunError.self) { try executor.run(Self.plan()) }
        #expect(error?.code == .interrupted)
        #expect(error?.rolledBack == ["unload the kernel"])
        #expect(h.loader.calls == [.load(H.image, crash: false), .unload(crash: false)])
        #expect(h.services.calls.isEmpty)
    }

    @Test func clearsTheOneTimeEntryAndPutsItBackWhenSystemdRefuses() {
        let done = H()
        #expect(done.run(Self.plan(oneTime: true)) == nil)
        #expect(done.grubEnvironment.variables(of: Self.grubenv)["next_entry"] == "")
        #expect(done.services.calls == [.enqueueStart(unit: "kexec.target", mode: "replace-irreversibly")])

        let refused = H()
        refused.services.fail(.enqueueStart, with: QuiesceError(.failed, operation: "start kexec.target", "refused"))
        let error = refused.run(Self.plan(oneTime: true))
        #expect(error?.rolledBack == ["restore GRUB's next_entry in \(Self.grubenv)", "unload the kernel"])
        #expect(refused.grubEnvironment.variables(of: Self.grubenv)["next_entry"] == "custom-612")
        #expect(refused.loader.calls == [.load(H.image, crash: false), .unload(crash: false)])
    }

    @Test func refusesFailedPlansAndPlansForAnotherRoot() {
        let h = H()
        #expect(h.run(Self.plan(checks: [PlanCheck(.root, .fail, "not root")]))?.code == .planRefused)
        var elsewhere = Self.plan()
        elsewhere.root = "/mnt/image"
        elsewhere.isForRunningSystem = false
        #expect(h.run(elsewhere)?.code == .planRefused)
        #expect(h.loader.calls.isEmpty)
        #expect(h.services.calls.isEmpty)
    }
}
