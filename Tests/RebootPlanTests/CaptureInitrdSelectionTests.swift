@testable import RebootPlan
import Foundation
import KexecCore
import LinuxSystem
import Testing

/// kreboot's capture initrd: `CaptureInitrdReader` says whether it is fresh (the production initrd unchanged
/// since the build), and the kdump plan loads it instead of the production initrd only then.
@Suite struct CaptureInitrdSelectionTests {
    static let release = "6.12.117+deb12-amd64"
    static let production = "/boot/initrd.img-\(release)"

    static func write(_ text: String, _ path: String, in dir: String) throws {
        try FileManager.default.createDirectory(atPath: dir + RecordWriter.parent(of: path), withIntermediateDirectories: true)
        try text.write(toFile: dir + path, atomically: false, encoding: .utf8)
    }

    static func stampJSON(dir: String, source: String = production, release: String = release) throws -> String {
        let attributes = try FileManager.default.attributesOfItem(atPath: dir + source)
        var st = stat()
        stat(dir + source, &st)
        let stamp = CaptureInitrd.Stamp(release: release, source: source, sourceBytes: (attributes[.size] as? UInt64) ?? 0,
                                        sourceModifiedNanoseconds: Int64(st.st_mtim.tv_sec) * 1_000_000_000 + Int64(st.st_mtim.tv_nsec),
                                        modules: "dep", builtAt: "2026-11-30T19:00:00Z")
        return String(decoding: try JSONEncoder().encode(stamp), as: UTF8.self)
    }

    @Test func theReaderSaysFreshUntilTheProductionInitrdChanges() throws {
        let dir = SnapshotFixtures.temporaryRoot()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let root = RootDirectory(dir)
        #expect(CaptureInitrdReader.read(root: root, release: Self.release) == nil)
        try Self.write(String(repeating: "p", count: 4096), Self.production, in: dir)
        try Self.write("small initrd", CaptureInitrd.path(release: Self.release), in: dir)
        let missingStamp = try #require(CaptureInitrdReader.read(root: root, release: Self.release))
        #expect(missingStamp.staleReason == "\(CaptureInitrd.stampPath(release: Self.release)): missing or unreadable")
        try Self.write(try Self.stampJSON(dir: dir), CaptureInitrd.stampPath(release: Self.release), in: dir)
        let fresh = try #require(CaptureInitrdReader.read(root: root, release: Self.release))
        #expect(fresh.isFresh)
        #expect(fresh.bytes == 12)
        try Self.write(String(repeating: "q", count: 5000), Self.production, in: dir)
        #expect(CaptureInitrdReader.read(root: root, release: Self.release)?.staleReason
                == "\(Self.production): changed since the capture initrd was built")
        try Self.write(try Self.stampJSON(dir: dir, release: "6.1.0-28-amd64"), CaptureInitrd.stampPath(release: Self.release), in: dir)
        #expect(CaptureInitrdReader.read(root: root, release: Self.release)?.staleReason?.contains("built for 6.1.0-28-amd64") == true)
    }

    static func snapshot(captureInitrd: CaptureInitrd?) -> SystemSnapshot {
        let kernel = "/boot/vmlinuz-\(release)"
        var snapshot = SystemSnapshot(process: ProcessContext(effectiveUID: 0, hasCapSysBoot: true, machineArch: "x86_64"),
                                      commandLine: "BOOT_IMAGE=/boot/vmlinuz root=/dev/mapper/vg-root ro crashkernel=256M",
                                      kernel: KernelState(kexecLoaded: false, kexecCrashSize: 256 << 20, runningRelease: release),
                                      bootLoader: BootLoaderDiscovery(entries: [BootEntry(id: "debian", title: "Debian", kernel: kernel,
                                                                                          initrds: [production], source: .grub,
                                                                                          file: "/boot/grub/grub.cfg")],
                                                                      defaultIndex: 0))
        snapshot.captureInitrd = captureInitrd
        return snapshot
    }

    @Test func theKdumpPlanLoadsAFreshCaptureInitrdBuiltFromTheEntrysInitrd() throws {
        let path = CaptureInitrd.path(release: Self.release)
        let stamp = CaptureInitrd.Stamp(release: Self.release, source: Self.production, sourceBytes: 1, sourceModifiedNanoseconds: 1,
                                        modules: "dep", builtAt: "2026-11-30T19:00:00Z")
        let options = PlanOptions(mode: .kdumpTest, policy: RunPolicy(ignoreSessions: true))
        let fresh = RebootPlanner.plan(Self.snapshot(captureInitrd: CaptureInitrd(path: path, stamp: stamp, bytes: 9, staleReason: nil)), options)
        let target = try #require(fresh.target)
        #expect(target.initrds == [path])
        #expect(target.source.rule?.contains("kreboot's capture initrd, built from \(Self.production) with MODULES=dep") == true)
        #expect(target.commandLine.hasSuffix("systemd.unit=kreboot-save-dump.service"))

        let stale = RebootPlanner.plan(Self.snapshot(captureInitrd: CaptureInitrd(path: path, stamp: stamp, bytes: 9, staleReason: "changed")), options)
        #expect(stale.target?.initrds == [Self.production])
        var other = stamp
        other.source = "/boot/initrd.img-other"
        let elsewhere = RebootPlanner.plan(Self.snapshot(captureInitrd: CaptureInitrd(path: path, stamp: other, bytes: 9, staleReason: nil)), options)
        #expect(elsewhere.target?.initrds == [Self.production])
        let reboot = RebootPlanner.plan(Self.snapshot(captureInitrd: CaptureInitrd(path: path, stamp: stamp, bytes: 9, staleReason: nil)),
                                        PlanOptions(mode: .reboot, policy: RunPolicy(ignoreSessions: true)))
        #expect(reboot.target?.initrds == [Self.production])
    }
}
