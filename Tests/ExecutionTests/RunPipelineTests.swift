@testable import Execution
import Quiesce
import KexecCore
import RebootPlan
import LinuxSystem
import KrebootTestSupport
import Foundation
import Testing

/// The run pipeline with fakes: refusal, inhibitors, confirmation, records, the run directory, the steps.
@Suite struct RunPipelineTests {
    typealias H = ExecutorHarness

    /// A pipeline over the harness's fakes, not under systemd, with its run directories under a scratch base.
    final class Fixture {
        let h = H()
        let records = RecordingRunRecords()
        let interrupts = ScriptedInterrupts()
        let observer = RecordingRunObserver()
        let base = FileManager.default.temporaryDirectory.path + "/kreboot-runs-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        var services: RecordingServiceManager { h.services }

        func pipeline(_ plan: RebootPlan = H.fullPlan, answer: ConfirmationAnswer = .confirmed,
                      underSystemd: Bool = false) -> (RunPipeline, ScriptedConfirmer) {
            let confirmer = ScriptedConfirmer(answer)
            let parts = h.parts
            return (RunPipeline(plan: plan, confirmer: confirmer, observer: observer, services: h.services, records: records,
                                interrupts: interrupts, makeParts: { _ in parts }, underSystemd: underSystemd,
                                directChildOfSystemd: false, runDirectoryBase: base), confirmer)
        }

        /// The run directories made so far.
        var runDirectories: [String] {
            ((try? FileManager.default.contentsOfDirectory(atPath: base)) ?? []).map { base + "/" + $0 }
        }

        func result(in directory: String) throws -> [String: Any] {
            let data = try Data(contentsOf: URL(fileURLWithPath: directory + "/result.json"))
            return try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        }

        deinit { try? FileManager.default.removeItem(atPath: base) }
    }

    @Test func aRefusedPlanCallsNothing() {
        let f = Fixture()
        var plan = H.fullPlan
        plan.checks.append(PlanCheck(.sessions, .fail, "alice is logged in"))
        plan.ok = false
        let (pipeline, confirmer) = f.pipeline(plan)
        guard case .refused(let failed) = pipeline.run() else { Issue.record("not refused"); return }
        #expect(failed.map(\.id) == [.sessions])
        #expect(confirmer.plans.isEmpty)
        #expect(f.records.calls.isEmpty)
        #expect(f.services.calls.isEmpty)
        #expect(f.h.loader.calls.isEmpty)
        #expect(f.interrupts.installs == 0)
        #expect(f.runDirectories.isEmpty)
    }

    @Test func aPlanForAnotherRootIsNotRun() {
        let f = Fixture()
        var plan = H.fullPlan
        plan.root = "/mnt/image"
        plan.isForRunningSystem = false
        let (pipeline, confirmer) = f.pipeline(plan)
        guard case .notRunningSystem(let root) = pipeline.run() else { Issue.record("ran a --root plan"); return }
        #expect(root == "/mnt/image")
        #expect(confirmer.plans.isEmpty)
        #expect(f.h.loader.calls.isEmpty)
    }

    @Test func aShutdownInhibitorBlocksUnlessIgnored() {
        let inhibitor = Inhibitor(what: "shutdown", who: "backup-job", why: "writing the nightly backup", mode: "block")
        let f = Fixture()
        f.services.setInhibitors([inhibitor])
        let (blocked, asked) = f.pipeline(underSystemd: true)
        guard case .inhibited(let who) = blocked.run() else { Issue.record("not inhibited"); return }
        #expect(who.contains("backup-job"))
        #expect(asked.plans.isEmpty)
        #expect(f.records.calls.isEmpty)

        var plan = H.fullPlan
        plan.policy.ignoreInhibitors = true
        let (ignoring, confirmer) = f.pipeline(plan, answer: .declined, underSystemd: true)
        guard case .declined = ignoring.run() else { Issue.record("--ignore-inhibitors did not reach the confirmation"); return }
        #expect(confirmer.plans == [plan])
    }

    @Test(arguments: [ConfirmationAnswer.declined, .noTerminal])
    func noConfirmationNoRecordsNoSteps(_ answer: ConfirmationAnswer) {
        let f = Fixture()
        let (pipeline, confirmer) = f.pipeline(answer: answer)
        let outcome = pipeline.run()
        switch (answer, outcome) {
        case (.declined, .declined), (.noTerminal, .noTerminal): break
        default: Issue.record("unexpected outcome \(outcome) for \(answer)")
        }
        #expect(confirmer.plans == [H.fullPlan])
        #expect(f.records.calls.isEmpty)
        #expect(f.h.loader.calls.isEmpty)
        #expect(f.runDirectories.isEmpty)
    }

    @Test func aConfirmedRunBeginsTheRecordsRunsTheStepsAndWritesTheResult() throws {
        let f = Fixture()
        let (pipeline, _) = f.pipeline()
        guard case .done = pipeline.run() else { Issue.record("not done"); return }
        #expect(f.records.calls == [.begin(H.fullPlan)])
        #expect(f.h.loader.calls == [.load(H.image, crash: false), .exec])
        #expect(f.interrupts.installs >= 1)
        let directory = try #require(f.runDirectories.first)
        #expect(f.runDirectories.count == 1)
        #expect(try RunDirectory(path: directory).readRequest() == RunRequest(plan: H.fullPlan, bootID: RunDirectoryCheck.bootID()))
        #expect(try f.result(in: directory)["ok"] as? Bool == true)
        let log = try String(contentsOfFile: directory + "/progress.log", encoding: .utf8)
        #expect(log.contains("unmount /srv/data"))
        #expect(f.observer.lines.contains { $0.contains("8 steps") })
    }

    @Test func aFailingStepMarksTheRecordsRolledBack() throws {
        let f = Fixture()
        f.h.mounts.fail(.sync, with: injected(.ioError, "syncfs"))
        let (pipeline, _) = f.pipeline()
        guard case .failed(let error) = pipeline.run() else { Issue.record("did not fail"); return }
        #expect(error.step == .sync)
        #expect(f.records.calls == [.begin(H.fullPlan), .rolledBack(H.fullPlan, kdumpTestID: nil, reason: error.message)])
        let result = try f.result(in: try #require(f.runDirectories.first))
        #expect(result["ok"] as? Bool == false)
        #expect(result["code"] as? String == "failed")
        #expect(result["rolledBack"] as? [String] == error.rolledBack)
    }

    @Test func aKdumpTestsIdReachesTheRollbackRecord() {
        let f = Fixture()
        f.h.loader.fail("panic", with: KexecError(.failed, operation: "panic", "injected"))
        let (pipeline, _) = f.pipeline(H.kdumpPlan)
        guard case .failed(let error) = pipeline.run() else { Issue.record("did not fail"); return }
        #expect(f.records.calls.last == .rolledBack(H.kdumpPlan, kdumpTestID: "kt-0001", reason: error.message))
        #expect(f.observer.lines.contains { $0.contains("kdump test kt-0001 pending") })
    }

    @Test func anInterruptStopsAfterTheLoadAndRollsBack() {
        let f = Fixture()
        f.interrupts.interrupt()
        let (pipeline, _) = f.pipeline()
        guard case .failed(let error) = pipeline.run() else { Issue.record("did not stop"); return }
        #expect(error.code == .interrupted)
        #expect(error.stepIndex == 1)
        #expect(f.h.loader.calls == [.load(H.image, crash: false), .unload(crash: false)])
        #expect(!f.services.calls.contains(.isolate("rescue.target")))
    }

    @Test func recordsThatCannotBeWrittenStopTheRunBeforeAnyStep() {
        let f = Fixture()
        f.records.failBegin("read-only file system")
        let (pipeline, _) = f.pipeline()
        guard case .cannotPrepare(let why) = pipeline.run() else { Issue.record("ran without records"); return }
        #expect(why.contains("read-only file system"))
        #expect(f.h.loader.calls.isEmpty)
        #expect(f.runDirectories.isEmpty)
    }

    @Test func viaSystemdMakesNoRunDirectory() {
        let f = Fixture()
        let plan = RebootPlan(mode: .reboot, target: H.fullPlan.target,
                              steps: [.load(H.image), .handOver(unit: "kexec.target", mode: "replace-irreversibly")],
                              checks: [], policy: RunPolicy(strategy: .systemd))
        let (pipeline, _) = f.pipeline(plan)
        guard case .done = pipeline.run() else { Issue.record("not done"); return }
        #expect(f.runDirectories.isEmpty)
        #expect(f.records.calls == [.begin(plan)])
        #expect(f.h.loader.calls == [.load(H.image, crash: false)])
        #expect(f.services.calls == [.enqueueStart(unit: "kexec.target", mode: "replace-irreversibly")])
    }
}
