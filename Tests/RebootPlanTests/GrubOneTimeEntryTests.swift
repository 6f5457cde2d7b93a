@testable import RebootPlan
import LinuxSystem
import KexecCore
import Testing

/// grub-reboot's `next_entry`: the grubenv block edit, its discovery, and the plan step that clears it.
@Suite struct GrubOneTimeEntryTests {
    static func block(_ lines: [String], size: Int = 1024) -> [UInt8] {
        let body = Array((GrubEnvironment.signature + "\n" + lines.map { $0 + "\n" }.joined()).utf8)
        return body + [UInt8](repeating: UInt8(ascii: "#"), count: size - body.count)
    }

    @Test func settingKeepsTheSizeTheOrderAndTheOtherVariables() throws {
        let before = Self.block(["saved_entry=gnulinux-simple", "next_entry=custom-612", "boot_success=1"])
        let edited = try #require(GrubEnvironment.setting("next_entry", to: "", in: before))
        #expect(edited.previous == "custom-612")
        #expect(edited.block == Self.block(["saved_entry=gnulinux-simple", "next_entry=", "boot_success=1"]))
        var problems: [String] = []
        let parsed = GrubEnvironment.parse(String(decoding: edited.block, as: UTF8.self), file: "grubenv", problems: &problems)
        #expect(parsed.variables == ["saved_entry": "gnulinux-simple", "next_entry": "", "boot_success": "1"])
        #expect(problems.isEmpty)
    }

    @Test func settingAnAbsentVariableAppendsIt() throws {
        let edited = try #require(GrubEnvironment.setting("next_entry", to: "a\\b", in: Self.block(["saved_entry=x"])))
        #expect(edited.previous == nil)
        #expect(edited.block == Self.block(["saved_entry=x", "next_entry=a\\\\b"]))
    }

    @Test func refusesWhatIsNotABlockOrDoesNotFit() {
        #expect(GrubEnvironment.setting("next_entry", to: "", in: Array("saved_entry=x\n".utf8)) == nil)
        #expect(GrubEnvironment.setting("next_entry", to: String(repeating: "x", count: 2000), in: Self.block([])) == nil)
        #expect(GrubEnvironment.setting("next_entry", to: "two\nlines", in: Self.block([])) == nil)
    }

    @Test func grubRebootsChoiceIsFoundWithItsFile() {
        let tree = BootLoaderFixtures.ScratchTree()
        tree.write("/boot/grub/grub.cfg", "menuentry 'Zero' --id zero { linux /vmlinuz-0 }\nmenuentry 'One' --id one { linux /vmlinuz-1 }\n")
        tree.write("/boot/grub/grubenv", bytes: Self.block(["next_entry=one"]))
        let d = tree.readBootLoader()
        #expect(d.defaultEntry?.title == "One")
        #expect(d.oneTimeEntryFile == "/boot/grub/grubenv")
        tree.write("/boot/grub/grubenv", bytes: Self.block(["next_entry=", "saved_entry=one"]))
        #expect(tree.readBootLoader().oneTimeEntryFile == nil)
    }

    static func snapshot(oneTime: String?) -> SystemSnapshot {
        var snapshot = RebootPlannerTests.snapshot()
        snapshot.bootLoader.oneTimeEntryFile = oneTime
        return snapshot
    }

    @Test func aRebootIntoTheOneTimeDefaultClearsItRightAfterTheLoad() {
        let plan = RebootPlanner.plan(Self.snapshot(oneTime: "/boot/grub/grubenv"), PlanOptions())
        let image = KexecImage(kernel: RebootPlannerTests.kernel61, initrds: ["/boot/initrd.img-6.1.0-28-amd64"],
                               commandLine: "root=UUID=abc ro quiet")
        #expect(plan.steps.prefix(3) == [.load(image), .clearGrubNextEntry(grubenv: "/boot/grub/grubenv"),
                                         .isolate(unit: "rescue.target")])
        #expect(plan.steps[1].summary == "clear GRUB's one-time next_entry in /boot/grub/grubenv")
    }

    @Test func otherTargetsAndKdumpTestsLeaveItAlone() {
        let snapshot = Self.snapshot(oneTime: "/boot/grub/grubenv")
        for options in [PlanOptions(entry: "1>0"), PlanOptions(kernel: RebootPlannerTests.kernel612), PlanOptions(mode: .kdumpTest)] {
            #expect(!RebootPlanner.plan(snapshot, options).steps.contains { $0.action == .clearGrubNextEntry })
        }
        #expect(!RebootPlanner.plan(Self.snapshot(oneTime: nil), PlanOptions()).steps.contains { $0.action == .clearGrubNextEntry })
    }
}
