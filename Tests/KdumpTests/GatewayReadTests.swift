@testable import Kdump
@testable import KexecCore
import LinuxSystem
import Foundation
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// Records, dumps and /proc files are read through the gateway: a FIFO never hangs, an oversized record is
/// an error naming the file and the cap, a dump tree under a root never reaches outside it.
@Suite struct GatewayReadTests {
    let dir = KdumpFixtures.temporaryDirectory()

    @Test func aRecordThatIsAFIFOIsRefusedWithoutReading() throws {
        let path = dir + "/kdump-test.json"
        #expect(mkfifo(path, 0o600) == 0)
        do {
            _ = try KdumpTestRecord.read(path: path)
            Issue.record("read a FIFO")
        } catch {
            #expect(error.message == "\(path): is a FIFO, not a regular file")
            #expect(error.code == .badImage)
        }
        #expect(DumpManifest.read(directory: dir + "/none") == nil)
    }

    @Test func anOversizedRecordNamesTheFileAndTheCap() throws {
        let path = dir + "/kdump-test.json"
        KdumpFixtures.write([UInt8](repeating: 0x20, count: (1 << 20) + 1), to: path)
        do {
            _ = try KdumpTestRecord.read(path: path)
            Issue.record("read an oversized record")
        } catch {
            #expect(error.message == "\(path): larger than the 1 MiB limit for a record")
        }
    }

    @Test func theCatalogUnderARootStaysInsideTheTree() throws {
        // A dump directory whose vmcore is an absolute symlink to a host file, and one whose vmcore is a FIFO.
        try FileManager.default.createDirectory(atPath: dir + "/var/crash/a", withIntermediateDirectories: true)
        try FileManager.default.createDirectory(atPath: dir + "/var/crash/b", withIntermediateDirectories: true)
        try FileManager.default.createSymbolicLink(atPath: dir + "/var/crash/a/vmcore", withDestinationPath: "/etc/passwd")
        #expect(mkfifo(dir + "/var/crash/b/vmcore", 0o600) == 0)
        let dumps = DumpCatalog.list(root: RootDirectory(dir), saveDir: "/var/crash")
        #expect(dumps.map(\.directory) .sorted() == ["/var/crash/a", "/var/crash/b"])
        let a = try #require(dumps.first { $0.directory == "/var/crash/a" })
        #expect(a.vmcore == "/var/crash/a/vmcore")
        #expect(a.problem == "/var/crash/a/vmcore: does not exist")  // /etc/passwd inside the tree: there is none
        #expect(a.sizeBytes == nil)
        let b = try #require(dumps.first { $0.directory == "/var/crash/b" })
        #expect(b.problem == "/var/crash/b/vmcore: is a FIFO, not a regular file")
    }

    @Test func theCatalogUsesTheDescriptorItOpened() throws {
        try FileManager.default.createDirectory(atPath: dir + "/var/crash/x", withIntermediateDirectories: true)
        let core = KdumpFixtures.elfCore()
        KdumpFixtures.write(core, to: dir + "/var/crash/x/vmcore")
        let dumps = DumpCatalog.list(root: RootDirectory(dir), saveDir: "/var/crash")
        #expect(dumps.count == 1)
        #expect(dumps.first?.sizeBytes == UInt64(core.count))
        #expect(dumps.first?.info != nil)
    }

    @Test func aSaveDirectoryOverTheEntryCapIsOneNamedProblem() throws {
        // The cap itself is 100,000; the listing error is reported as the catalog's one entry.
        try FileManager.default.createDirectory(atPath: dir + "/crash", withIntermediateDirectories: true)
        KdumpFixtures.write([1], to: dir + "/crash-file")
        let dumps = DumpCatalog.list(root: RootDirectory(dir), saveDir: "/crash-file")
        #expect(dumps.isEmpty)  // not a directory: nothing
    }

    @Test func inspectingAFIFOReturnsAtOnce() throws {
        let path = dir + "/vmcore"
        #expect(mkfifo(path, 0o600) == 0)
        #expect(!VmcoreInspector.recognises(path: path))
        guard case .failure(let error) = VmcoreInspector.inspect(path: path) else { Issue.record("accepted a FIFO"); return }
        #expect(error.message == "\(path): is a FIFO, not a regular file")
    }

    @Test func theCaptureBootIsToldFromTheRootsProcCmdline() throws {
        try FileManager.default.createDirectory(atPath: dir + "/proc", withIntermediateDirectories: true)
        KdumpFixtures.write(Array("BOOT_IMAGE=/vmlinuz elfcorehdr=0x1000 irqpoll\n".utf8), to: dir + "/proc/cmdline")
        #expect(CaptureBootEnvironment.isCaptureBoot(root: RootDirectory(dir)))
        let other = KdumpFixtures.temporaryDirectory()
        try FileManager.default.createDirectory(atPath: other + "/proc", withIntermediateDirectories: true)
        #expect(mkfifo(other + "/proc/cmdline", 0o600) == 0)
        #expect(!CaptureBootEnvironment.isCaptureBoot(root: RootDirectory(other)))  // a FIFO: refused, no hang
    }

    @Test func anArm64CaptureBootIsToldFromTheDeviceTree() throws {
        // arm64: kexec puts elfcorehdr in /chosen; the command line has none.
        try FileManager.default.createDirectory(atPath: dir + "/proc", withIntermediateDirectories: true)
        KdumpFixtures.write(Array("root=/dev/nvme0n1 rw irqpoll nr_cpus=1 init=/usr/local/bin/kreboot\n".utf8), to: dir + "/proc/cmdline")
        #expect(!CaptureBootEnvironment.isCaptureBoot(root: RootDirectory(dir)))
        let chosen = dir + "/sys/firmware/devicetree/base/chosen"
        try FileManager.default.createDirectory(atPath: chosen, withIntermediateDirectories: true)
        KdumpFixtures.write([0, 0, 0, 0, 0x8f, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x10, 0], to: chosen + "/linux,kexec-elf")
        #expect(!CaptureBootEnvironment.isCaptureBoot(root: RootDirectory(dir)))  // another property: not a capture
        KdumpFixtures.write([0, 0, 0, 0, 0x8f, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x10, 0], to: chosen + "/linux,elfcorehdr")
        #expect(CaptureBootEnvironment.isCaptureBoot(root: RootDirectory(dir)))
    }

    @Test func calibrationSizesComeFromTheGateway() throws {
        try FileManager.default.createDirectory(atPath: dir + "/boot", withIntermediateDirectories: true)
        KdumpFixtures.write([UInt8](repeating: 1, count: 1000), to: dir + "/boot/initrd.img")
        try FileManager.default.createSymbolicLink(atPath: dir + "/boot/host", withDestinationPath: "/etc/passwd")
        #expect(mkfifo(dir + "/boot/fifo", 0o600) == 0)
        let root = RootDirectory(dir)
        #expect(CalibrationInputsReader.fileSize(root: root, path: "/boot/initrd.img") == 1000)
        #expect(CalibrationInputsReader.fileSize(root: root, path: "/boot/host") == nil)
        #expect(CalibrationInputsReader.fileSize(root: root, path: "/boot/fifo") == nil)
        #expect(CalibrationInputsReader.kernelMemoryBytes(root: root, path: "/boot/initrd.img") == 1000)
    }
}
