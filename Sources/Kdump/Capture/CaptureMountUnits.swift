import LinuxSystem
import RebootPlan

/// The systemd units a capture boot's kreboot-save-dump.service starts before saving, so that it waits for
/// the file systems the dump needs and for nothing else (kdump-utils' capture boot mounts only its target
/// too): kreboot-save-dump.service has `DefaultDependencies=no`, so the capture boot does not mount all of
/// fstab, activate the swaps or wait for basic.target.
///
/// What `RequiresMountsFor=` would do for paths known only from the kdump configuration: the mount units of
/// the /etc/fstab entries at or above the local save directory and the `--test-kdump` record's directory,
/// parents first (systemd pulls their devices: LVM volumes through udev, LUKS volumes through crypttab, and
/// their fsck). Root is left out: the initramfs mounted it and `systemd-remount-fs.service`, which the unit
/// is ordered after, makes it writable. A Red Hat dump target file system (`xfs UUID=…` in kdump.conf) is
/// found where the system mounts it, so for it all of fstab is mounted as before (`local-fs.target`).
/// Remote targets need only the record's directory here (NFS and CIFS are mounted by the saver).
public enum CaptureMountUnits {
    /// The units to start, in order; `config` nil when the configuration could not be read.
    public static func units(config: KdumpConfig?, testRecord: String, fstab: [MountEntry]) -> [String] {
        var paths = [RecordWriter.parent(of: testRecord)]
        if let config {
            if config.variables["target"] != nil { return ["local-fs.target"] }
            if let local = config.localSaveDir, local.hasPrefix("/") { paths.append(local) }
        }
        let mountPoints = fstab.map { RootDirectory.normalize($0.target) }.filter { target in
            target != "/" && paths.contains { path in PathContainment.isPath(RootDirectory.normalize(path), atOrBelow: target) }
        }
        var units: [String] = []
        for target in mountPoints.sorted(by: { (depth($0), $0) < (depth($1), $1) }) {
            let unit = MountUnitName.forPath(target)
            if !units.contains(unit) { units.append(unit) }
        }
        return units
    }

    static func depth(_ path: String) -> Int { path.split(separator: "/").count }
}
