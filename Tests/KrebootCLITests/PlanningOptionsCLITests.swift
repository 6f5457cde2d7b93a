import Foundation
import Testing

/// The options `kreboot` and `kreboot plan` share: the same flags plan the same thing; `--force` is refused with
/// what replaced it; `--via systemd` shows the steps that path really runs.
@Suite struct PlanningOptionsCLITests {
    static func debian() throws -> FixtureMachine {
        let machine = try FixtureMachine("debian12")
        try machine.writeBzImage("/boot/vmlinuz-6.1.0-27-amd64", release: "6.1.0-27-amd64")
        return machine
    }

    @Test(arguments: [["--force", "--dry-run"], ["plan", "--force"], ["--force", "--yes"]])
    func forceIsRefusedNamingWhatReplacesIt(_ arguments: [String]) throws {
        let machine = try Self.debian()
        defer { machine.cleanUp() }
        let result = try CLIRunner.run(arguments + ["--root", machine.root])
        #expect(result.status == 64)
        #expect(result.stderr.contains("--ignore-sessions"))
        #expect(result.stderr.contains("--ignore-inhibitors"))
        #expect(result.stdout.isEmpty)
    }

    /// Runs `kreboot plan ARGS` and `kreboot --dry-run ARGS`. The kdump test's dump-space check reports the free
    /// space of the real file system under the fixture, which other processes change between two runs; a pair
    /// that differs is run again (twice at most), so only a real difference between the plans fails.
    static func planAndDryRun(_ arguments: [String]) throws -> (planned: CLIRunner.Result, dryRun: CLIRunner.Result) {
        var pair = (planned: try CLIRunner.run(["plan"] + arguments), dryRun: try CLIRunner.run(["--dry-run"] + arguments))
        for _ in 0..<2 where pair.planned.stdout != pair.dryRun.stdout {
            pair = (try CLIRunner.run(["plan"] + arguments), try CLIRunner.run(["--dry-run"] + arguments))
        }
        return pair
    }

    @Test func planAndDryRunGiveTheSameKdumpTestPlan() throws {
        let machine = try Self.debian()
        defer { machine.cleanUp() }
        let (planned, dryRun) = try Self.planAndDryRun(["--test-kdump", "--json", "--root", machine.root])
        #expect(planned.status == dryRun.status, "plan: \(planned.stderr) dry run: \(dryRun.stderr)")
        #expect(try planned.json()["mode"] as? String == "kdump-test")
        #expect(!planned.stdout.isEmpty)
        #expect(planned.stdout == dryRun.stdout)
    }

    @Test(arguments: [["--ignore-sessions"], ["--via", "systemd"], ["--entry", "1>0"], ["--append", "quiet"]])
    func planAndDryRunAgreeForEveryPlanningOption(_ options: [String]) throws {
        let machine = try Self.debian()
        defer { machine.cleanUp() }
        let (planned, dryRun) = try Self.planAndDryRun(["--json", "--root", machine.root] + options)
        #expect(planned.status == dryRun.status)
        #expect(!planned.stdout.isEmpty)
        #expect(planned.stdout == dryRun.stdout)
    }

    @Test func viaSystemdDryRunListsLoadThenHandOver() throws {
        let machine = try Self.debian()
        defer { machine.cleanUp() }
        let result = try CLIRunner.run(["--via", "systemd", "--dry-run", "--json", "--root", machine.root])
        let plan = try result.json()
        let steps = try #require(plan["steps"] as? [[String: Any]])
        #expect(steps.map { $0["action"] as? String } == ["load", "handOver"])
        #expect(steps.first?["kernel"] as? String == "/boot/vmlinuz-6.1.0-27-amd64")
        #expect(steps.first?["initrds"] as? [String] == ["/boot/initrd.img-6.1.0-27-amd64"])
        #expect(steps.last?["unit"] as? String == "kexec.target")
        #expect(steps.last?["mode"] as? String == "replace-irreversibly")
        #expect(result.status == 0, "stderr: \(result.stderr)")
    }
}
