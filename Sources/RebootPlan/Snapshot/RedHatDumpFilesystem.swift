import LinuxSystem

/// Red Hat's local dump target: a file system line in /etc/kdump.conf (`xfs /dev/vg/crash`,
/// `ext4 UUID=…`, `btrfs LABEL=…`), under which `path` is relative ("If a dump target is specified in
/// kdump.conf, then path is relative to the specified dump target", kdump.conf(5)). kdump-utils mounts that
/// file system in its capture boot; kreboot saves where the running system mounts it (the capture boot mounts
/// it the same way, from fstab), so the save directory is its mount point + `path`.
///
/// A target kreboot cannot use is an error the plan names (its kdump-config check fails, 78): a `raw`
/// partition (kreboot saves files, not a raw image), a file system line without a device, or one that is not
/// mounted (kreboot would not know where the dumps go, nor would `kreboot --test-kdump` find kdump-utils' dump).
public enum RedHatDumpFilesystem {
    /// `config` with its save directory on the dump target file system, or with `targetError` saying why
    /// there is none; unchanged when kdump.conf names no file system. `mounts` nil: the mount table could
    /// not be read.
    public static func resolve(_ config: KdumpConfig, root: RootDirectory, mounts: [MountEntry]?) -> KdumpConfig {
        guard let line = config.variables["target"] else { return config }
        var resolved = config
        let words = line.split(whereSeparator: { $0 == " " || $0 == "\t" }).map(String.init)
        let type = words.first ?? "target"
        func refuse(_ reason: String) -> KdumpConfig {
            resolved.targetError = KdumpConfigError(file: config.file, option: type, reason: reason)
            return resolved
        }
        guard words.count == 2 else {
            return refuse(words.count < 2 ? "no device (write `\(type) /dev/…`, `\(type) UUID=…` or `\(type) LABEL=…`)"
                                          : "one device expected, found \(words.count - 1) words")
        }
        let spec = words[1]
        if type == "raw" {
            return refuse("\(spec): dumps written to a raw partition are not supported (kreboot saves files: name a file system, or only `path`)")
        }
        guard let mounts else { return refuse("\(spec): where it is mounted is not known (the mount table could not be read)") }
        guard let mountPoint = MountedFilesystemLocator(root: root, mounts: mounts).mountPoint(ofSpec: spec) else {
            return refuse("\(spec) is not mounted: kreboot saves on the dump target where this system mounts it (add it to /etc/fstab and mount it)")
        }
        let path = config.variables["path"].flatMap { $0.isEmpty ? nil : $0 } ?? "/var/crash"
        let relative = path.hasPrefix("/") ? path : "/" + path
        resolved.saveDir = mountPoint == "/" ? relative : RootDirectory.normalize(mountPoint + relative)
        return resolved
    }
}
