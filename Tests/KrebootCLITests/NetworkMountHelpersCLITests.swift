import Foundation
import Testing

/// The two helpers kreboot runs as children for network file systems, as the real binary parses them:
/// `__probe-mount` (statvfs and stat of a mount point) and `__network-mount` (a mount point no longer in the
/// table counts as unmounted, so nothing is touched here). Their argv is what `ChildProcessMountProbe` and
/// `ChildProcessNetworkMounts` build, flags included.
@Suite struct NetworkMountHelpersCLITests {
    @Test func theProbeAnswersForAMountPointAndFailsWithTheErrorOtherwise() throws {
        let answered = try CLIRunner.run(["__probe-mount", "/"])
        #expect(answered.status == 0)
        #expect(answered.stdout.hasPrefix("/: "))
        let missing = try CLIRunner.run(["__probe-mount", "/nonexistent-kreboot-probe"])
        #expect(missing.status == 1)
        #expect(missing.stderr.contains("statvfs /nonexistent-kreboot-probe: No such file or directory"))
    }

    @Test func aDetachOfAMountPointNotInTheTableParsesAndDoesNothing() throws {
        let result = try CLIRunner.run(["__network-mount", "unmount", "--path", "/nonexistent-kreboot-nfs", "--source",
                                        "10.0.9.1:/srv/nfs", "--type", "nfs4", "--vfs-options", "rw,relatime",
                                        "--fs-options", "rw,vers=4.2", "--fs-root", "/", "--detach", "--force-unmount"])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stderr.isEmpty)
    }

    @Test func theOverrideIsAnOptionOfBothKrebootAndPlan() throws {
        for arguments in [["--help"], ["plan", "--help"]] {
            let help = try CLIRunner.run(arguments)
            #expect(help.stdout.contains("--detach-unreachable-network-mounts"))
        }
    }
}
