@testable import RebootPlan
import LinuxSystem
import KexecCore
import Foundation
import Testing

@Suite struct KernelStateReaderTests {
    @Test func readsEveryFieldAsRootSeesIt() {
        let state = KernelStateReader.read(root: SnapshotFixtures.root("kernel-state"))
        #expect(state.kexecLoaded == false)
        #expect(state.kexecCrashLoaded == true)
        #expect(state.kexecCrashSize == 268_435_456)
        #expect(state.kexecLoadDisabled == false)
        #expect(state.lockdown == .integrity)
        #expect(state.crashRegions == [
            CrashRegion(start: 0x2f00_0000, end: 0x3eff_ffff),
            CrashRegion(start: 0x4_2f00_0000, end: 0x4_2fff_ffff),
        ])
        #expect(state.crashRegions.first?.size == 256 << 20)
        #expect(state.memTotalBytes == 16_318_772 * 1024)
        #expect(state.runningRelease == "6.1.0-27-amd64")
        #expect(state.kexecSupported)
        #expect(state.crashReservedBytes == 268_435_456)
    }

    @Test func hiddenIomemAddressesGiveNoRegions() {
        let state = KernelStateReader.read(root: SnapshotFixtures.root("kernel-state-user"))
        #expect(state.crashRegions.isEmpty)
        #expect(state.kexecLoadDisabled == true)
        #expect(state.kexecCrashSize == 0)
        #expect(state.lockdown == LockdownMode.none)
        #expect(state.memTotalBytes == 2_014_508 * 1024)
        #expect(state.runningRelease == "6.5.6-300.fc39.x86_64")
        #expect(state.crashReservedBytes == 0)
    }

    @Test func absentFilesAreNil() {
        let dir = SnapshotFixtures.temporaryRoot()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let state = KernelStateReader.read(root: RootDirectory(dir))
        #expect(state == KernelState())
        #expect(!state.kexecSupported)
    }

    @Test func lockdownTakesTheBracketedWord() {
        #expect(KernelStateReader.parseLockdown("none integrity [confidentiality]") == .confidentiality)
        #expect(KernelStateReader.parseLockdown("[none] integrity confidentiality") == LockdownMode.none)
        #expect(KernelStateReader.parseLockdown("none integrity confidentiality") == nil)
        #expect(KernelStateReader.parseLockdown("none [bogus]") == nil)
    }

    @Test func crashRegionsAtAnyDepth() {
        let iomem = """
        00100000-bffdafff : System RAM
            01000000-08ffffff : Crash kernel
        100000000-13fffffff : System RAM
        """
        #expect(KernelStateReader.parseCrashRegions(iomem) == [CrashRegion(start: 0x0100_0000, end: 0x08ff_ffff)])
        #expect(KernelStateReader.parseCrashRegions("00000000-00000fff : Reserved\n").isEmpty)
    }

    @Test func memTotalNeedsANumber() {
        #expect(KernelStateReader.parseMemTotal("MemFree: 10 kB\nMemTotal: 2048 kB\n") == 2048 * 1024)
        #expect(KernelStateReader.parseMemTotal("MemTotal: lots\n") == nil)
        #expect(KernelStateReader.parseMemTotal("MemFree: 10 kB\n") == nil)
    }
}

/// Impossible numbers from /proc and /sys are errors naming the file and the field where the plan depends
/// on them (a `kernel-values` check that fails, exit 65), and "unknown" elsewhere.
@Suite struct ImpossibleKernelValueTests {
    func tree(meminfo: String = "MemTotal: 1024 kB\nMemAvailable: 2048 kB\n", iomem: String? = nil,
              crashSize: String? = nil) throws -> RootDirectory {
        let dir = NSTemporaryDirectory() + "kreboot-impossible-\(UUID().uuidString)"
        for sub in ["/proc", "/sys/kernel"] { try FileManager.default.createDirectory(atPath: dir + sub, withIntermediateDirectories: true) }
        FileManager.default.createFile(atPath: dir + "/proc/meminfo", contents: Data(meminfo.utf8))
        if let iomem { FileManager.default.createFile(atPath: dir + "/proc/iomem", contents: Data(iomem.utf8)) }
        if let crashSize { FileManager.default.createFile(atPath: dir + "/sys/kernel/kexec_crash_size", contents: Data(crashSize.utf8)) }
        return RootDirectory(dir)
    }

    @Test func impossibleNumbersAreRecordedNamingFileAndField() throws {
        let state = KernelStateReader.read(root: try tree(
            meminfo: "MemTotal: 18446744073709551615 kB\nMemAvailable: lots kB\n",
            iomem: "10000000-0fffffff : Crash kernel\n", crashSize: "99999999999999999999999\n"))
        #expect(state.memTotalBytes == nil)
        #expect(state.impossible[.memTotal] == "/proc/meminfo: impossible MemTotal: 18446744073709551615 kB is more than 2^64 bytes")
        #expect(state.impossible[.memAvailable] == "/proc/meminfo: impossible MemAvailable: 'lots kB' is not a number")
        #expect(state.impossible[.crashRegions] == "/proc/iomem: impossible Crash kernel range: 10000000-fffffff ends before it starts")
        #expect(state.impossible[.kexecCrashSize]?.hasPrefix("/sys/kernel/kexec_crash_size: impossible size: '99999999999999999999999'") == true)
        #expect(KernelStateReader.read(root: try tree()).impossible.isEmpty)
    }

    @Test func regionsWhoseTotalPasses2to64AreImpossible() throws {
        let regions = [CrashRegion(start: 0, end: .max - 1), CrashRegion(start: 0, end: 10)]
        guard case .failure(let error) = KernelStateReader.checkCrashRegions(regions) else { Issue.record("accepted"); return }
        #expect(error.message.hasPrefix("/proc/iomem: impossible Crash kernel total:"))
        #expect(KernelState(crashRegions: regions).crashReservedBytes == .max)  // saturates, never traps
        #expect(try KernelStateReader.checkCrashRegions([CrashRegion(start: 0x1000, end: 0x1fff)]).get() == 0x1000)
    }

    func plan(_ root: RootDirectory, mode: PlanMode, swaps: [SwapArea] = []) -> RebootPlan {
        var snapshot = SystemSnapshot(root: root, process: ProcessContext(effectiveUID: 0, hasCapSysBoot: true, machineArch: "x86_64"),
                                      kernel: KernelStateReader.read(root: root))
        snapshot.swaps = swaps
        snapshot.memAvailableBytes = SwapTableReader.memAvailableBytes(root: root)
        snapshot.kdump = KdumpConfig(file: "/etc/default/kdump-tools", saveDir: "/var/crash")
        snapshot.freeSpace["/var/crash"] = 1 << 40
        return RebootPlanner.plan(snapshot, PlanOptions(mode: mode, kernel: "/boot/vmlinuz"))
    }

    @Test func aKdumpTestDependingOnAnImpossibleMemTotalFailsNamingIt() throws {
        let root = try tree(meminfo: "MemTotal: 18446744073709551615 kB\n", crashSize: "268435456\n")
        let plan = plan(root, mode: .kdumpTest)
        let check = try #require(plan.checks.first { $0.id == .kernelValues })
        #expect(check.status == .fail)
        #expect(check.message == "/proc/meminfo: impossible MemTotal: 18446744073709551615 kB is more than 2^64 bytes")
        #expect(plan.checks.first { $0.id == .dumpSpace }?.status == .fail)
        #expect(plan.firstFailure?.id != nil)
        // A reboot does not use MemTotal: no kernel-values check at all.
        #expect(!self.plan(root, mode: .reboot).checks.contains { $0.id == .kernelValues })
    }

    @Test func swapOffDependsOnMemAvailable() throws {
        let root = try tree(meminfo: "MemTotal: 1024 kB\nMemAvailable: 18446744073709551615 kB\n")
        let swap = SwapArea(path: "/swapfile", kind: .file, sizeBytes: 1 << 30, usedBytes: 1 << 20)
        let plan = plan(root, mode: .reboot, swaps: [swap])
        #expect(plan.checks.first { $0.id == .kernelValues }?.message
                == "/proc/meminfo: impossible MemAvailable: 18446744073709551615 kB is more than 2^64 bytes")
        #expect(plan.checks.first { $0.id == .swap }?.status == .fail)
        #expect(!self.plan(root, mode: .reboot).checks.contains { $0.id == .kernelValues })  // no swap: not used
    }

    @Test func anImpossibleCrashSizeFailsTheCrashkernelRule() {
        var kernel = KernelState(kexecCrashSize: nil)
        kernel.impossible[.kexecCrashSize] = "/sys/kernel/kexec_crash_size: impossible size: 'x' is not a number of bytes below 2^64"
        let finding = KexecRules.crashReservation(kernel)
        #expect(finding.severity == .fail)
        #expect(finding.code == .badImage)
        #expect(finding.message == kernel.impossible[.kexecCrashSize])
    }

    @Test func aNegativeFreeDiskSizeDoesNotTrap() {
        let config = KdumpConfig(file: "/etc/default/kdump-tools", freeDiskSizeMiB: -1)
        #expect(PreflightChecks.dumpSpaceNeeded(memTotal: .max, config: config) == UInt64.max / 20)
        #expect(PreflightChecks.dumpSpaceNeeded(memTotal: .max, config: KdumpConfig(file: "k", freeDiskSizeMiB: .max)) == .max)
    }
}
