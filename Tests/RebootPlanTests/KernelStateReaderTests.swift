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
