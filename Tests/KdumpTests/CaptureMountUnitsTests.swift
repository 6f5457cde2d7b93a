@testable import Kdump
import LinuxSystem
import RebootPlan
import Testing

/// Which mount units a capture boot's kreboot-save-dump.service starts before saving.
@Suite struct CaptureMountUnitsTests {
    static func entry(_ target: String, _ source: String = "/dev/vdb") -> MountEntry {
        MountEntry(id: 0, parentID: 0, source: source, target: target, fstype: "ext4", vfsOptions: "rw",
                   fsOptions: "", fsRoot: "/", device: nil)
    }

    static let fstab = ["/", "/boot", "/home", "/var", "/var/crash", "/var/lib", "/var/log", "/srv"].map { entry($0) }
    static let record = "/var/lib/kreboot/kdump-test.json"

    @Test func theSaveDirectoryAndTheRecordsMountsParentsFirstNothingElse() {
        let config = KdumpConfig(file: "/etc/default/kdump-tools", saveDir: "/var/crash")
        #expect(CaptureMountUnits.units(config: config, testRecord: Self.record, fstab: Self.fstab)
                == ["var.mount", "var-crash.mount", "var-lib.mount"])
    }

    @Test func aSaveDirectoryOnRootNeedsNoMountUnit() {
        let config = KdumpConfig(file: "/etc/default/kdump-tools", saveDir: "/crash")
        #expect(CaptureMountUnits.units(config: config, testRecord: "/root/kdump-test.json", fstab: Self.fstab).isEmpty)
    }

    @Test func aMountPointThatOnlySharesAPrefixIsNotAParent() {
        let config = KdumpConfig(file: "/etc/default/kdump-tools", saveDir: "/srv2/crash")
        #expect(CaptureMountUnits.units(config: config, testRecord: "/root/r.json", fstab: Self.fstab).isEmpty)
    }

    @Test func aRemoteTargetNeedsOnlyTheRecordsDirectory() {
        let config = KdumpConfig(file: "/etc/sysconfig/kdump", saveDir: "nfs://10.0.9.1/srv/nfs/crash")
        #expect(CaptureMountUnits.units(config: config, testRecord: Self.record, fstab: Self.fstab)
                == ["var.mount", "var-lib.mount"])
    }

    @Test func aRedHatTargetFileSystemMountsAllOfFstab() {
        let config = KdumpConfig(file: "/etc/kdump.conf", saveDir: "/var/crash", variables: ["target": "xfs UUID=1234"])
        #expect(CaptureMountUnits.units(config: config, testRecord: Self.record, fstab: Self.fstab) == ["local-fs.target"])
    }

    @Test func anUnreadableConfigurationStillMountsTheRecordsDirectory() {
        #expect(CaptureMountUnits.units(config: nil, testRecord: Self.record, fstab: Self.fstab) == ["var.mount", "var-lib.mount"])
    }
}
