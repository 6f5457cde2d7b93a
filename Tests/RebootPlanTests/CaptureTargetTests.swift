@testable import RebootPlan
import LinuxSystem
import KexecCore
import Testing
import Foundation

/// `kreboot load --crash --kernel PATH` (a kdump-test plan with an explicit kernel) gets the capture command line.
@Suite struct CaptureTargetTests {
    @Test func explicitKernelGetsTheCaptureCommandLine() throws {
        let snapshot = SystemSnapshot(process: ProcessContext(effectiveUID: 0, hasCapSysBoot: true, machineArch: "x86_64"),
                                      commandLine: "BOOT_IMAGE=/boot/vmlinuz root=/dev/nvme0n1 rw console=ttyS0 crashkernel=256M",
                                      kernel: KernelState(kexecLoaded: false, kexecCrashSize: 256 << 20))
        let plan = RebootPlanner.plan(snapshot, PlanOptions(mode: .kdumpTest, kernel: "/boot/vmlinuz-6.1.0-28-amd64"))
        let target = try #require(plan.target)
        #expect(target.commandLine == "root=/dev/nvme0n1 rw console=ttyS0 irqpoll nr_cpus=1 reset_devices "
            + "init=/usr/sbin/kreboot -- save-dump")
        let reboot = RebootPlanner.plan(snapshot, PlanOptions(mode: .reboot, kernel: "/boot/vmlinuz-6.1.0-28-amd64"))
        #expect(reboot.target?.commandLine == "root=/dev/nvme0n1 rw console=ttyS0 crashkernel=256M")
    }

    @Test func theSaveDirectorysDeviceAndTheKrebootPathComeFromTheSnapshot() throws {
        var snapshot = SystemSnapshot(process: ProcessContext(effectiveUID: 0, hasCapSysBoot: true, machineArch: "x86_64"),
                                      commandLine: "root=/dev/nvme0n1 rw", kernel: KernelState(kexecLoaded: false, kexecCrashSize: 256 << 20))
        snapshot.krebootPath = "/usr/local/bin/kreboot"
        snapshot.dumpSaveDevice = "/dev/nvme0n2"
        let crash = RebootPlanner.plan(snapshot, PlanOptions(mode: .kdumpTest, kernel: "/boot/vmlinuz-6.1.0-28-amd64", append: "loglevel=7"))
        #expect(crash.target?.commandLine == "root=/dev/nvme0n1 rw irqpoll nr_cpus=1 reset_devices loglevel=7 "
            + "init=/usr/local/bin/kreboot -- save-dump --mount /dev/nvme0n2")
        let withInitrd = RebootPlanner.plan(snapshot, PlanOptions(mode: .kdumpTest, kernel: "/boot/vmlinuz-6.1.0-28-amd64",
                                                                  initrds: ["/boot/initrd.img-6.1.0-28-amd64"]))
        #expect(withInitrd.target?.commandLine.hasSuffix("reset_devices systemd.unit=kreboot-save-dump.service") == true)
        let explicit = RebootPlanner.plan(snapshot, PlanOptions(mode: .kdumpTest, kernel: "/boot/vmlinuz-6.1.0-28-amd64",
                                                                commandLine: "root=/dev/vda init=/bin/true"))
        #expect(explicit.target?.commandLine == "root=/dev/vda init=/bin/true")
    }

    @Test func theSnapshotReaderFindsEveryConfiguredServiceAndKrebootsRecord() throws {
        let dir = SnapshotFixtures.temporaryRoot()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        for (path, text) in [("/etc/default/kdump-tools", "KDUMP_COREDIR=/var/crash/debian\n"),
                             ("/etc/kdump.conf", "path /var/crash/redhat\ncore_collector makedumpfile -l -d 31\n"),
                             ("/usr/sbin/kdump-config", "#!/bin/sh\n"),
                             ("/run/kreboot/state.json", #"{"crash":{"kernel":"/boot/vmlinuz","initrds":[],"commandLine":"root=/dev/vda init=/usr/sbin/kreboot -- save-dump","crash":true,"method":"kexec_file_load","loadedAt":"2026-11-30T03:00:00Z"}}"#)] {
            try FileManager.default.createDirectory(atPath: dir + RecordWriter.parent(of: path), withIntermediateDirectories: true)
            try text.write(toFile: dir + path, atomically: true, encoding: .utf8)
        }
        let snapshot = SystemSnapshot.read(root: RootDirectory(dir), options: PlanOptions(mode: .kdumpTest))
        #expect(snapshot.kdumpSavers == [
            KdumpSaver(kind: .kdumpUtils, configFile: "/etc/kdump.conf", saveDirectory: "/var/crash/redhat", installed: false),
            KdumpSaver(kind: .kdumpTools, configFile: "/etc/default/kdump-tools", saveDirectory: "/var/crash/debian", installed: true),
        ])
        #expect(snapshot.crashLoadRecord?.commandLine.hasSuffix("save-dump") == true)
        #expect(snapshot.krebootPath == "/usr/sbin/kreboot")
    }
}
