import Foundation
import Testing

/// `kreboot --dry-run` and `kreboot entries` run as a user would, on fixture trees (`--root`).
@Suite struct DryRunCLITests {
    @Test func debianDryRunPicksTheSavedEntryAndOrdersUnmounts() throws {
        let machine = try FixtureMachine("debian12")
        defer { machine.cleanUp() }
        try machine.writeBzImage("/boot/vmlinuz-6.1.0-27-amd64", release: "6.1.0-27-amd64")
        let result = try CLIRunner.run(["--dry-run", "--json", "--root", machine.root])
        let plan = try result.json()
        #expect(plan["schemaVersion"] as? Int == 1)
        let target = try #require(plan["target"] as? [String: Any])
        #expect(target["kernel"] as? String == "/boot/vmlinuz-6.1.0-27-amd64")
        #expect(target["initrds"] as? [String] == ["/boot/initrd.img-6.1.0-27-amd64"])
        #expect((target["source"] as? [String: Any])?["file"] as? String == "/boot/grub/grub.cfg")
        let steps = try #require(plan["steps"] as? [[String: Any]])
        let actions = steps.map { $0["action"] as? String ?? "?" }
        #expect(actions.first == "load")
        #expect(actions.last == "exec")
        let unmounts = steps.filter { $0["action"] as? String == "unmount" }.compactMap { $0["path"] as? String }
        #expect(unmounts == ["/srv/data/cache", "/srv/data"])
        #expect(result.status == 0, "stderr: \(result.stderr) checks: \(plan["checks"] ?? "")")
    }

    @Test func humanDryRunSaysWhichEntryAndWhetherItWouldProceed() throws {
        let machine = try FixtureMachine("debian12")
        defer { machine.cleanUp() }
        try machine.writeBzImage("/boot/vmlinuz-6.1.0-27-amd64", release: "6.1.0-27-amd64")
        let result = try CLIRunner.run(["--dry-run", "--root", machine.root])
        #expect(result.stdout.contains("saved_entry"))
        #expect(result.stdout.contains("release 6.1.0-27-amd64"))
        #expect(result.stdout.contains("unmount /srv/data/cache"))
        #expect(result.stdout.split(separator: "\n").last?.hasPrefix("Would proceed") == true)
    }

    @Test func missingKernelIsBadDataNamingTheFile() throws {
        let machine = try FixtureMachine("debian12")
        defer { machine.cleanUp() }
        try machine.remove("/boot/vmlinuz-6.1.0-27-amd64")
        let result = try CLIRunner.run(["--dry-run", "--root", machine.root])
        #expect(result.status == 65)
        #expect(result.stdout.contains("/boot/vmlinuz-6.1.0-27-amd64: no such file"))
    }

    @Test func corruptKernelIsBadData() throws {
        let machine = try FixtureMachine("debian12")
        defer { machine.cleanUp() }
        try machine.write("/boot/vmlinuz-6.1.0-27-amd64", String(repeating: "garbage ", count: 200))
        let result = try CLIRunner.run(["--dry-run", "--json", "--root", machine.root])
        #expect(result.status == 65)
        let checks = try #require(try result.json()["checks"] as? [[String: Any]])
        let kernel = try #require(checks.first { $0["id"] as? String == "kernel-image" })
        #expect(kernel["status"] as? String == "fail")
        #expect((kernel["message"] as? String)?.contains("/boot/vmlinuz-6.1.0-27-amd64") == true)
    }

    @Test func binaryGrubConfigIsBadDataWithAClearMessage() throws {
        let machine = try FixtureMachine("bad-grub-binary")
        defer { machine.cleanUp() }
        let result = try CLIRunner.run(["--dry-run", "--root", machine.root])
        #expect(result.status == 65)
        #expect(result.stdout.contains("grub.cfg"))
    }

    @Test func kexecLoadDisabledIsUnavailable() throws {
        let machine = try FixtureMachine("debian12")
        defer { machine.cleanUp() }
        try machine.writeBzImage("/boot/vmlinuz-6.1.0-27-amd64", release: "6.1.0-27-amd64")
        try machine.write("/proc/sys/kernel/kexec_load_disabled", "1\n")
        let result = try CLIRunner.run(["--dry-run", "--root", machine.root])
        #expect(result.status == 69)
        #expect(result.stdout.contains("kexec_load_disabled"))
    }

    /// Under lockdown a kernel without a signature is refused by the plan: 69, naming the file and the signature.
    @Test func unsignedKernelUnderLockdownIsUnavailable() throws {
        let machine = try FixtureMachine("debian12-systemd-boot")
        defer { machine.cleanUp() }
        try machine.write("/sys/kernel/security/lockdown", "none [integrity] confidentiality\n")
        let uki = "/boot/efi/EFI/Linux/debian-6.1.0-28-amd64.efi"
        let result = try CLIRunner.run(["--dry-run", "--json", "--root", machine.root, "--entry", "debian-6.1.0-28-amd64.efi"])
        #expect(result.status == 69)
        let plan = try result.json()
        let checks = try #require(plan["checks"] as? [[String: Any]])
        let signature = try #require(checks.first { $0["id"] as? String == "signature" })
        #expect(signature["status"] as? String == "fail")
        #expect((signature["message"] as? String)?.hasPrefix("\(uki): the UKI's .linux has no signature") == true)
        #expect(checks.contains { $0["id"] as? String == "secure-boot" })
        let target = try #require(plan["target"] as? [String: Any])
        #expect(target["commandLine"] as? String == "root=UUID=3f7c2a4e-9b1d-4c8e-a5f6-2d7e8b9c0a1f ro quiet console=ttyS0")
        #expect((target["source"] as? [String: Any])?["kind"] as? String == "uki")
    }

    @Test func kdumpTestWithoutReservationIsUnavailable() throws {
        let machine = try FixtureMachine("debian12")
        defer { machine.cleanUp() }
        try machine.writeBzImage("/boot/vmlinuz-6.1.0-27-amd64", release: "6.1.0-27-amd64")
        try machine.write("/sys/kernel/kexec_crash_size", "0\n")
        let result = try CLIRunner.run(["--dry-run", "--test-kdump", "--json", "--root", machine.root])
        #expect(result.status == 69)
        let plan = try result.json()
        #expect(plan["mode"] as? String == "kdump-test")
        #expect((plan["steps"] as? [[String: Any]])?.last?["action"] as? String == "panic")
    }

    @Test func unknownEntryIsBadData() throws {
        let machine = try FixtureMachine("debian12")
        defer { machine.cleanUp() }
        let result = try CLIRunner.run(["--dry-run", "--entry", "nope", "--root", machine.root])
        #expect(result.status == 65)
        #expect(result.stdout.contains("no boot entry matches --entry \"nope\""))
    }

    @Test func conflictingOptionsAreAUsageError() throws {
        let result = try CLIRunner.run(["--dry-run", "--command-line", "ro", "--reuse-cmdline"])
        #expect(result.status == 64)
    }

    @Test func realRunWithAnotherRootIsRefusedAsUsage() throws {
        let machine = try FixtureMachine("debian12")
        defer { machine.cleanUp() }
        try machine.writeBzImage("/boot/vmlinuz-6.1.0-27-amd64", release: "6.1.0-27-amd64")
        let result = try CLIRunner.run(["--yes", "--root", machine.root])
        #expect(result.status == 64)
        #expect(result.stderr.contains("--dry-run"))
    }

    @Test func entriesListsTheDefaultMarked() throws {
        let result = try CLIRunner.run(["entries", "--json", "--root", CLIRunner.fixtures + "/fedora39"])
        #expect(result.status == 0)
        let entries = try #require(try result.json()["entries"] as? [[String: Any]])
        let defaults = entries.filter { $0["default"] as? Bool == true }
        #expect(defaults.count == 1)
        #expect(defaults.first?["kernel"] as? String == "/boot/vmlinuz-6.5.6-300.fc39.x86_64")
    }
}
