import Testing
import LinuxSystem
import KexecCore
import RebootPlan
@testable import Quiesce

@Suite struct SystemdKexecHandoverTests {
    let image = KexecImage(kernel: "/boot/vmlinuz-6.1", initrds: [], commandLine: "root=/dev/sda1 ro")

    func plan(_ mode: PlanMode = .reboot, checks: [PlanCheck] = []) -> RebootPlan {
        RebootPlan(mode: mode, target: nil, steps: [.load, .isolate("rescue.target"), .sync, .exec], checks: checks)
    }

    @Test func loadsThenStartsKexecTargetIrreversibly() throws {
        let loader = RecordingKexecLoader(), services = RecordingServiceManager()
        try SystemdKexecHandover(loader: loader, services: services).run(plan(), image: image)
        #expect(loader.calls == [.load(image, crash: false)])
        #expect(services.calls == [.enqueueStart(unit: "kexec.target", mode: "replace-irreversibly")])
    }

    @Test func aRefusedLoadTouchesNoService() {
        let loader = RecordingKexecLoader(), services = RecordingServiceManager()
        loader.fail("load", with: KexecError(.badImage, operation: "load", "bad image"))
        #expect(throws: QuiesceError.self) { try SystemdKexecHandover(loader: loader, services: services).run(plan(), image: image) }
        #expect(services.calls.isEmpty)
    }

    @Test func aRefusedStartUnloadsTheKernel() {
        let loader = RecordingKexecLoader(), services = RecordingServiceManager()
        services.fail(.enqueueStart, with: QuiesceError(.failed, operation: "start kexec.target", "refused"))
        do {
            try SystemdKexecHandover(loader: loader, services: services).run(plan(), image: image)
            Issue.record("expected a failure")
        } catch {
            #expect(error.rolledBack == ["unload the kernel"])
        }
        #expect(loader.calls == [.load(image, crash: false), .unload(crash: false)])
    }

    @Test func aGateThatStopsAfterTheLoadUnloadsAndStartsNothing() {
        let loader = RecordingKexecLoader(), services = RecordingServiceManager()
        let handover = SystemdKexecHandover(loader: loader, services: services) { () throws(QuiesceError) in
            throw QuiesceError(.interrupted, operation: "hand over to systemd", "interrupted")
        }
        do {
            try handover.run(plan(), image: image)
            Issue.record("expected a failure")
        } catch {
            #expect(error.code == .interrupted)
            #expect(error.rolledBack == ["unload the kernel"])
        }
        #expect(loader.calls == [.load(image, crash: false), .unload(crash: false)])
        #expect(services.calls.isEmpty)
    }

    @Test func clearsTheOneTimeEntryAndPutsItBackWhenSystemdRefuses() {
        let grubenv = "/boot/grub/grubenv"
        var oneTime = plan()
        oneTime.steps.insert(.clearGrubNextEntry(grubenv), at: 1)
        let loader = RecordingKexecLoader(), services = RecordingServiceManager()
        let grub = RecordingGrubEnvironment(files: [grubenv: ["next_entry": "custom"]])
        #expect(throws: Never.self) {
            try SystemdKexecHandover(loader: loader, services: services, grubEnvironment: grub).run(oneTime, image: image)
        }
        #expect(grub.variables(of: grubenv)["next_entry"] == "")

        let refusing = RecordingServiceManager()
        refusing.fail(.enqueueStart, with: QuiesceError(.failed, operation: "start kexec.target", "refused"))
        let again = RecordingGrubEnvironment(files: [grubenv: ["next_entry": "custom"]])
        do {
            try SystemdKexecHandover(loader: loader, services: refusing, grubEnvironment: again).run(oneTime, image: image)
            Issue.record("expected a failure")
        } catch {
            #expect(error.rolledBack == ["restore GRUB's next_entry in \(grubenv)", "unload the kernel"])
        }
        #expect(again.variables(of: grubenv)["next_entry"] == "custom")
    }

    @Test func refusesFailedPlansAndKdumpTests() {
        let loader = RecordingKexecLoader(), services = RecordingServiceManager()
        let handover = SystemdKexecHandover(loader: loader, services: services)
        #expect(throws: QuiesceError.self) { try handover.run(plan(checks: [PlanCheck(.root, .fail, "not root")]), image: image) }
        #expect(throws: QuiesceError.self) { try handover.run(plan(.kdumpTest), image: image) }
        #expect(loader.calls.isEmpty)
    }
}
