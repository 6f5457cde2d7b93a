@testable import Kdump
@testable import KexecCore
import RebootPlan
import LinuxSystem
import KrebootTestSupport
import Foundation
import Testing

@Suite struct KdumpCalibratorTests {
    static let mib: UInt64 = 1 << 20
    static let gib: UInt64 = 1 << 30

    func inputs(_ ramBytes: UInt64, arch: String = "x86_64", luns: Int = 0, kernelMiB: UInt64 = 30, initrdMiB: UInt64 = 40,
                reservedMiB: UInt64 = 0) -> CalibrationInputs {
        CalibrationInputs(ramBytes: ramBytes, arch: arch, luns: luns, kernelBytes: kernelMiB * Self.mib,
                          initrdBytes: initrdMiB * Self.mib, reservedBytes: reservedMiB * Self.mib)
    }

    @Test func twoGiBx86UsesOnlyHigh() {
        let r = CrashkernelCalibrator.calibrate(inputs(2 * Self.gib, reservedMiB: 256))
        #expect(r.estimate.baselineMiB == 256)
        #expect(r.estimate.estimatedMiB == 30 + 40 + 64 + 1)
        #expect(r.recommendationMiB == 256)
        #expect(r.recommendedHigh == 256)
        #expect(r.recommendedLow == 0)
        #expect(r.high == 256)
        #expect(r.low == nil)
        #expect(r.parameters == "crashkernel=256M")
        #expect(r.reservedMiB == 256)
        #expect(r.sufficient)
    }

    @Test func sixteenGiBx86ReservesLowToo() {
        let r = CrashkernelCalibrator.calibrate(inputs(16 * Self.gib, luns: 10, reservedMiB: 256))
        #expect(r.high == 256 + 5)
        #expect(r.low == 72)
        #expect(r.recommendedLow == 72)
        #expect(r.parameters == "crashkernel=261M,high crashkernel=72M,low")
        #expect(r.totalMiB == 333)
        #expect(!r.sufficient)
    }

    @Test func oddLunCountsRoundUp() {
        #expect(CrashkernelCalibrator.calibrate(inputs(16 * Self.gib, luns: 1)).high == 257)
        #expect(CrashkernelCalibrator.calibrate(inputs(16 * Self.gib, luns: 3)).high == 258)
        #expect(CrashkernelCalibrator.calibrate(inputs(16 * Self.gib, luns: 0)).high == 256)
        #expect(CrashkernelCalibrator.calibrate(inputs(16 * Self.gib, luns: 200)).high == 356)
    }

    @Test func largeMachineUsesTheUpperRange() {
        let r = CrashkernelCalibrator.calibrate(inputs(128 * Self.gib, luns: 3))
        #expect(r.estimate.baselineMiB == 512)
        #expect(r.estimate.bitmapMiB == 8)
        #expect(r.high == 514)
        #expect(r.parameters == "crashkernel=514M,high crashkernel=72M,low")
        let huge = CrashkernelCalibrator.calibrate(inputs(4096 * Self.gib))
        #expect(huge.estimate.bitmapMiB == 32)  // capped
    }

    @Test func tableBoundaries() {
        #expect(CrashkernelCalibrator.baselineMiB(ramGiB: 1, arch: "x86_64") == 192)
        #expect(CrashkernelCalibrator.baselineMiB(ramGiB: 2, arch: "x86_64") == 256)
        #expect(CrashkernelCalibrator.baselineMiB(ramGiB: 63, arch: "x86_64") == 256)
        #expect(CrashkernelCalibrator.baselineMiB(ramGiB: 64, arch: "x86_64") == 512)
        #expect(CrashkernelCalibrator.baselineMiB(ramGiB: 3, arch: "aarch64") == 256)
        #expect(CrashkernelCalibrator.baselineMiB(ramGiB: 4, arch: "aarch64") == 320)
        #expect(CrashkernelCalibrator.baselineMiB(ramGiB: 64, arch: "aarch64") == 576)
        #expect(CrashkernelCalibrator.baselineMiB(ramGiB: 16, arch: "ppc64le") == 1024)
        #expect(CrashkernelCalibrator.baselineMiB(ramGiB: 200, arch: "ppc64le") == 4096)
        #expect(CrashkernelCalibrator.baselineMiB(ramGiB: 1, arch: "ppc64le") == 384)
    }

    @Test func fourGiBIsTheLowHighLine() {
        #expect(CrashkernelCalibrator.calibrate(inputs(4 * Self.gib)).low == nil)
        let above = CrashkernelCalibrator.calibrate(inputs(4 * Self.gib + Self.mib))
        #expect(above.low == 72)
        #expect(above.ramGiB == 5)
    }

    @Test func smallMachineGetsTheDefault() {
        let r = CrashkernelCalibrator.calibrate(inputs(1 * Self.gib))
        #expect(r.recommendationMiB == 192)
        #expect(r.parameters == "crashkernel=192M")
    }

    @Test func bigInitrdWinsOverTheTable() {
        let r = CrashkernelCalibrator.calibrate(inputs(8 * Self.gib, kernelMiB: 60, initrdMiB: 300))
        #expect(r.estimate.estimatedMiB == 60 + 300 + 64 + 1)
        #expect(r.recommendationMiB == 425)
        #expect(r.parameters == "crashkernel=425M,high crashkernel=72M,low")
    }

    @Test func aNetworkDumpAddsTheNetworkStack() {
        var remote = inputs(8 * Self.gib, kernelMiB: 60, initrdMiB: 300)
        remote.networkDump = true
        let r = CrashkernelCalibrator.calibrate(remote)
        #expect(r.estimate.networkMiB == CrashkernelCalibrator.networkMiB)
        #expect(r.estimate.estimatedMiB == 60 + 300 + 64 + 1 + 32)
        #expect(r.parameters == "crashkernel=457M,high crashkernel=72M,low")
        #expect(CrashkernelCalibrator.calibrate(inputs(8 * Self.gib, kernelMiB: 60, initrdMiB: 300)).estimate.networkMiB == 0)
    }

    @Test func otherArchitecturesUseOnlyLow() {
        let arm = CrashkernelCalibrator.calibrate(inputs(8 * Self.gib, arch: "aarch64", luns: 4))
        #expect(arm.recommendedLow == 320)
        #expect(arm.recommendedHigh == 0)
        #expect(arm.low == 322)
        #expect(arm.high == nil)
        #expect(arm.parameters == "crashkernel=322M")
        let ppc = CrashkernelCalibrator.calibrate(inputs(32 * Self.gib, arch: "ppc64le", luns: 1))
        #expect(ppc.low == 1025)
        #expect(ppc.parameters == "crashkernel=1025M")
    }

    @Test func theArm64GuestOfTwoGiBGetsTheTablesLow() {
        // The arm64-kdump guest: 2 GiB (iomem's System RAM a little less), a 36 MiB Image with no initramfs, no SCSI
        // LUN, 256 MiB reserved. kdump-utils' 256 MiB outweighs the estimate (36 + 64 + 1); Low only, no `,low`/`,high`.
        let r = CrashkernelCalibrator.calibrate(CalibrationInputs(ramBytes: 2 * Self.gib - 3 * Self.mib, arch: "aarch64",
                                                                  kernelBytes: 36 * Self.mib, reservedBytes: 256 * Self.mib))
        #expect(r.ramGiB == 2)
        #expect(r.estimate.estimatedMiB == 36 + 64 + 1)
        #expect(r.recommendationMiB == 256)
        #expect(r.low == 256 && r.high == nil)
        #expect(r.parameters == "crashkernel=256M")
        #expect(r.sufficient)
        // A kernel with its own initramfs big enough to pass the table: the estimate wins, still Low only.
        let big = CrashkernelCalibrator.calibrate(CalibrationInputs(ramBytes: 2 * Self.gib, arch: "aarch64", luns: 3,
                                                                    kernelBytes: 36 * Self.mib, initrdBytes: 200 * Self.mib))
        #expect(big.recommendationMiB == 36 + 200 + 64 + 1)
        #expect(big.parameters == "crashkernel=\(36 + 200 + 64 + 1 + 2)M")
        #expect(!big.sufficient)
    }

    @Test func jsonHasNullsWhereNotUsed() throws {
        let r = CrashkernelCalibrator.calibrate(inputs(2 * Self.gib))
        let text = String(decoding: try JSONEncoder().encode(r), as: UTF8.self)
        #expect(text.contains("\"low\":null"))
        #expect(text.contains("\"high\":256"))
        for key in ["recommendedLow", "recommendedHigh", "luns", "parameters", "reservedMiB"] {
            #expect(text.contains("\"\(key)\":"))
        }
    }

    @Test func readsInputsFromAFixtureRoot() throws {
        let dir = KdumpFixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        func put(_ path: String, _ text: String) {
            try? FileManager.default.createDirectory(atPath: dir + DumpFiles.parent(of: path), withIntermediateDirectories: true)
            KdumpFixtures.write(Array(text.utf8), to: dir + path)
        }
        put("/proc/meminfo", "MemTotal:        1800000 kB\nMemFree:  1000 kB\n")
        put("/proc/iomem", """
            00000000-00000fff : Reserved
            00001000-0009fbff : System RAM
            00100000-7ffdffff : System RAM
              01000000-01ffffff : Kernel code
              6f000000-7effffff : Crash kernel
            7ffe0000-7fffffff : Reserved
            100000000-17fffffff : System RAM
            """)
        put("/sys/kernel/kexec_crash_size", "268435456\n")
        put("/proc/sys/kernel/osrelease", "6.1.0-28-amd64\n")
        var bzImage = [UInt8](repeating: 0, count: 8 << 20)
        bzImage.replaceSubrange(0x202..<0x206, with: Array("HdrS".utf8))
        bzImage.replaceSubrange(0x206..<0x208, with: KdumpFixtures.le(UInt16(0x020f)))
        bzImage.replaceSubrange(0x260..<0x264, with: KdumpFixtures.le(UInt32(40 << 20)))
        try FileManager.default.createDirectory(atPath: dir + "/boot", withIntermediateDirectories: true)
        KdumpFixtures.write(bzImage, to: dir + "/boot/vmlinuz-6.1.0-28-amd64")
        KdumpFixtures.write([UInt8](repeating: 1, count: 30 << 20), to: dir + "/boot/initrd.img-6.1.0-28-amd64")
        try FileManager.default.createDirectory(atPath: dir + "/sys/class/scsi_device/0:0:0:0", withIntermediateDirectories: true)
        try FileManager.default.createDirectory(atPath: dir + "/sys/class/scsi_device/1:0:0:0", withIntermediateDirectories: true)

        let root = RootDirectory(dir)
        let got = CalibrationInputsReader.read(root: root, state: KernelState(), config: nil, luns: nil, arch: "x86_64")
        #expect(got.ramBytes == (0x9fc00 - 0x1000) + (0x7ffe0000 - 0x100000) + 0x80000000)
        #expect(got.reservedBytes == 256 << 20)
        #expect(got.kernelBytes == 40 << 20)
        #expect(got.initrdBytes == 30 << 20)
        #expect(got.luns == 2)
        #expect(CalibrationInputsReader.read(root: root, state: KernelState(), config: nil, luns: 7).luns == 7)

        let rec = CrashkernelCalibrator.calibrate(got)
        #expect(rec.ramGiB == 4)
        #expect(rec.estimate.kernelMiB == 40)
        #expect(rec.estimate.initrdMiB == 30)
        #expect(rec.parameters == "crashkernel=257M")
        #expect(rec.reservedMiB == 256)
        #expect(!rec.sufficient)
    }

    @Test func withoutIomemRamIsMemTotalPlusTheReservation() {
        let dir = KdumpFixtures.temporaryDirectory()
        try? FileManager.default.createDirectory(atPath: dir + "/proc", withIntermediateDirectories: true)
        KdumpFixtures.write(Array("MemTotal:        1800000 kB\n".utf8), to: dir + "/proc/meminfo")
        let state = KernelState(kexecCrashSize: 256 << 20, memTotalBytes: nil)
        let got = CalibrationInputsReader.read(root: RootDirectory(dir), state: state, config: nil, luns: 0, arch: "x86_64")
        #expect(got.ramBytes == 1_800_000 * 1024 + (256 << 20))
        #expect(got.kernelBytes == nil)
    }
}
