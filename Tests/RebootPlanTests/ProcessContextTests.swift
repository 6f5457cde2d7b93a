@testable import RebootPlan
import LinuxSystem
import KexecCore
import Foundation
import Testing

@Suite struct ProcessContextTests {
    private func context(_ tree: String) -> ProcessContext {
        ProcessContext.read(root: SnapshotFixtures.root(tree), effectiveUID: 0, machineArch: "x86_64")
    }

    @Test func hostWithAllCapabilities() {
        let ctx = context("process-host")
        #expect(ctx.hasCapSysBoot == true)
        #expect(ctx.containerReason == nil)
        #expect(ctx.effectiveUID == 0)
        #expect(ctx.machineArch == "x86_64")
    }

    @Test func dockerHasNoCapSysBootAndIsAContainer() {
        let ctx = context("process-docker")
        #expect(ctx.hasCapSysBoot == false)
        #expect(ctx.containerReason == "running in a container (docker)")
    }

    @Test func systemdContainerFile() {
        #expect(context("process-nspawn").containerReason == "running in a container (systemd-nspawn)")
    }

    @Test func containerVariableOfPID1() {
        #expect(context("process-lxc").containerReason == "running in a container (lxc)")
    }

    @Test func userNamespaceFromUIDMap() {
        let ctx = context("process-userns")
        #expect(ctx.containerReason == "running in a user namespace (uid_map 0 100000 65536)")
        #expect(ctx.hasCapSysBoot == false)
    }

    @Test func nothingKnownWithoutFiles() {
        let dir = SnapshotFixtures.temporaryRoot()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let ctx = ProcessContext.read(root: RootDirectory(dir), effectiveUID: 1000, machineArch: "aarch64")
        #expect(ctx == ProcessContext(effectiveUID: 1000, hasCapSysBoot: nil, containerReason: nil, machineArch: "aarch64"))
    }

    @Test func capabilityBits() {
        #expect(ProcessContext.hasCapability(22, status: "CapEff:\t0000000000400000\n") == true)
        #expect(ProcessContext.hasCapability(22, status: "CapEff:\t0000000000200000\n") == false)
        #expect(ProcessContext.hasCapability(22, status: "CapPrm:\t0000000000400000\n") == nil)
    }

    @Test func initialUIDMapIsOnlyTheFullIdentity() {
        #expect(ProcessContext.isInitialUIDMap("         0          0 4294967295\n"))
        #expect(!ProcessContext.isInitialUIDMap("         0          0 65536\n"))
        #expect(!ProcessContext.isInitialUIDMap("0 0 4294967295\n1 1 1\n"))
    }

    @Test func currentProcessMatchesTheSystemCalls() {
        let ctx = ProcessContext.current()
        #expect(ctx.effectiveUID == geteuid())
        #expect(ctx.hasCapSysBoot != nil)
        #expect(ctx.containerReason == ProcessContext.containerReason(root: RootDirectory()))
        #if arch(x86_64)
        #expect(ctx.machineArch == "x86_64")
        #elseif arch(arm64)
        #expect(ctx.machineArch == "aarch64")
        #endif
    }
}
