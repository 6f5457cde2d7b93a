import LinuxSystem
/// Finds the file system a GRUB `search` names, as the system sees it mounted: by UUID or label through
/// /dev/disk/by-uuid and /dev/disk/by-label (the udev links blkid's data gives) matched against the mount table,
/// else through /etc/fstab's `UUID=`/`LABEL=` lines (libmount), and for `--file` the mounted file system
/// that holds the file. GRUB devices found are named `mount:<mount point>` in GRUB's variables, so a later
/// `($root)/vmlinuz` resolves to that mount point.
struct GrubDeviceFinder: Sendable {
    let root: RootDirectory
    let mounts: [MountEntry]
    /// Finds mounted file systems by UUID, label or device (and reads /etc/fstab once).
    let locator: MountedFilesystemLocator
    /// /etc/fstab's file systems.
    var fstab: [MountEntry] { locator.fstab }

    /// The prefix of GRUB device names that stand for a mount point.
    static let mountPrefix = "mount:"

    init(root: RootDirectory, mounts: [MountEntry]) {
        self.root = root
        self.mounts = mounts
        self.locator = MountedFilesystemLocator(root: root, mounts: mounts)
    }

    /// The mount point holding the file system `search` names, nil when none is known.
    func mountPoint(for search: GrubSearch) -> String? {
        switch search.kind {
        case .fsUUID: return byTag("by-uuid", "UUID", search.value)
        case .label: return byTag("by-label", "LABEL", search.value)
        case .file: return holding(search.value)
        }
    }

    /// The GRUB device name for a mount point (`mount:/boot`).
    static func deviceName(_ mountPoint: String) -> String { mountPrefix + mountPoint }

    /// The mount point a GRUB device name stands for, nil for devices GRUB names itself (`hd0,gpt2`).
    static func mountPoint(ofDevice device: String) -> String? {
        device.hasPrefix(mountPrefix) ? String(device.dropFirst(mountPrefix.count)) : nil
    }

    private func byTag(_ directory: String, _ tag: String, _ value: String) -> String? {
        locator.mountPoint(tag: tag, directory: directory, value: value)
    }

    /// The known mount point whose own file system holds `file` (not one mounted deeper).
    private func holding(_ file: String) -> String? {
        var points = Set(mounts.isEmpty ? fstab.map(\.target) : mounts.map(\.target))
        if points.isEmpty { points = ["/", "/boot", "/boot/efi", "/efi"] }
        for point in points.sorted(by: { $0.count > $1.count }) {
            let path = point == "/" ? RootDirectory.normalize(file) : RootDirectory.normalize(point + "/" + file)
            let deeper = points.contains { other in
                other.count > point.count && PathContainment.isPath(other, atOrBelow: point)
                    && PathContainment.isPath(path, atOrBelow: other)
            }
            if !deeper && root.exists(path) { return point }
        }
        return nil
    }
}
