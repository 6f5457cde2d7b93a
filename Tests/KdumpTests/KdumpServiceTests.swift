@testable import Kdump
import FoundationEssentials
import KexecCore
import LinuxSystem
import RebootPlan
import Testing

/// The reservation verdict, the reload decision and the save directory's device.
@Suite struct KdumpServiceTests {
    @Test func reservationVerdicts() {
        let missing = CrashReservationVerdict(reservedBytes: 0, recommendedMiB: 256, parameters: "crashkernel=256M")
        #expect(!missing.canLoad)
        #expect(missing.kind == "missing")
        #expect(missing.message.hasPrefix("reservation missing"))
        #expect(missing.message.contains("crashkernel=256M"))
        let small = CrashReservationVerdict(reservedBytes: 128 << 20, recommendedMiB: 320, parameters: "crashkernel=320M")
        #expect(small.canLoad)
        #expect(small.message == "reservation too small: 128 MiB reserved, calibrate recommends 320 MiB (crashkernel=320M)")
        let enough = CrashReservationVerdict(reservedBytes: 256 << 20, recommendedMiB: 256, parameters: "crashkernel=256M")
        #expect(enough == .sufficient(reservedMiB: 256, recommendedMiB: 256))
    }

    func record(_ image: KexecImage, at date: Date) -> KexecLoadRecord {
        KexecLoadRecord(image: image, info: nil, crash: true, method: .fileSyscall, loadedAt: date)
    }

    @Test func reloadOnlyWhenSomethingChanged() {
        let loadedAt = Date(timeIntervalSince1970: 1_700_000_000)
        let image = KexecImage(kernel: "/boot/vmlinuz-6.1", initrds: [], commandLine: "root=/dev/vda irqpoll")
        let same = KdumpReloadDecision(desired: image, recorded: record(image, at: loadedAt), crashLoaded: true,
                                       modified: ["/boot/vmlinuz-6.1": loadedAt.addingTimeInterval(-60)])
        #expect(!same.needed)

        let touched = KdumpReloadDecision(desired: image, recorded: record(image, at: loadedAt), crashLoaded: true,
                                          modified: ["/etc/default/kdump-tools": loadedAt.addingTimeInterval(5)])
        #expect(touched.reasons == ["/etc/default/kdump-tools changed after the load"])

        var other = image
        other.kernel = "/boot/vmlinuz-6.12"
        other.initrds = ["/boot/initrd.img-6.12"]
        other.commandLine += " console=ttyS0"
        let changed = KdumpReloadDecision(desired: other, recorded: record(image, at: loadedAt), crashLoaded: true, modified: [:])
        #expect(changed.reasons == ["kernel /boot/vmlinuz-6.1 → /boot/vmlinuz-6.12",
                                    "initrd (none) → /boot/initrd.img-6.12", "command line changed"])

        #expect(KdumpReloadDecision(desired: image, recorded: nil, crashLoaded: false, modified: [:]).reasons
                == ["no capture kernel is loaded"])
        #expect(KdumpReloadDecision(desired: image, recorded: nil, crashLoaded: true, modified: [:]).reasons
                == ["the loaded capture kernel was not loaded by kreboot"])
    }

    @Test func saveDirectoryDevice() {
        // (SaveDirectoryDevice lives in RebootPlan: the snapshot reads it.)
        let mounts = [
            MountEntry(id: 1, source: "/dev/nvme0n1", target: "/", fstype: "ext4"),
            MountEntry(id: 2, parentID: 1, source: "/dev/nvme0n2", target: "/data", fstype: "ext4"),
            MountEntry(id: 3, parentID: 1, source: "tmpfs", target: "/run", fstype: "tmpfs"),
            MountEntry(id: 4, parentID: 1, source: "/dev/nvme0n3", target: "/var/crash", fstype: "xfs"),
        ]
        #expect(SaveDirectoryDevice.device(for: "/data", mounts: mounts) == "/dev/nvme0n2")
        #expect(SaveDirectoryDevice.device(for: "/data/dumps", mounts: mounts) == "/dev/nvme0n2")
        #expect(SaveDirectoryDevice.device(for: "/var/crash", mounts: mounts) == "/dev/nvme0n3")
        #expect(SaveDirectoryDevice.device(for: "/var/crashes", mounts: mounts) == nil)  // on /
        #expect(SaveDirectoryDevice.device(for: "/run/dumps", mounts: mounts) == nil)    // tmpfs
    }

    @Test func requestFromTheKdumpTestTarget() {
        let config = KdumpConfigReader.parse(text: "KDUMP_COREDIR=/data\n", file: "/etc/default/kdump-tools")
        let target = BootTarget(kernel: "/boot/vmlinuz-6.1.0-28-cloud-amd64", initrds: ["/boot/initrd.img-6.1"],
                                commandLine: "root=/dev/nvme0n1 rw irqpoll", source: .init(kind: .explicit))
        let request = KdumpServiceRequest(target: target, rule: "the running command line", config: config)
        #expect(request.image == KexecImage(kernel: target.kernel, initrds: target.initrds, commandLine: target.commandLine))
        #expect(request.explanation == "the running command line")
        #expect(request.watchedFiles == ["/boot/vmlinuz-6.1.0-28-cloud-amd64", "/boot/initrd.img-6.1", "/etc/default/kdump-tools"])
        #expect(request.configFile == "/etc/default/kdump-tools")
        let redHat = KdumpServiceRequest(target: target, rule: nil, config: KdumpConfig(file: "/etc/kdump.conf"))
        #expect(redHat.watchedFiles.suffix(2) == ["/etc/kdump.conf", "/etc/sysconfig/kdump"])
    }
}
