import LinuxSystem
/// Finds the file system a GRUB `search` names, as the system sees it mounted: by UUID or label through
/// /dev/disk/by-uuid and /dev/disk/by-label (the udev links blkid's data gives) matched against the mount table,
/// else through /etc/fstab's `UUID=`/`LABEL=` lines (libmount), and for `--file` the mounted file system
/// that holds the file. GRUB devices found are named `mount:<mount point>` in GRUB's variables, so a later
/// `($root)/vmlinuz` resolves to that mount point.
struct GrubDeviceFinder: Sendable {
    let root: RootDirectory
    let mounts: [MountEntry]
    /// /etc/fstab's file systems, read once.
    let fstab: [MountEntry]

    /// The prefix of GRUB device names that stand for a mount point.
    static let mountPrefix = "mount:"

    init(root: RootDirectory, mounts: [MountEntry]) {
        self.root = root
        self.mounts = mounts
        self.fstab = (try? MountTableReader.read(fstab: "/etc/fstab", root: root)) ?? []
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
        let link = "/dev/disk/\(directory)/\(value)"
        if !mounts.isEmpty, let target = root.readLink(link) {
            let device = target.hasPrefix("/") ? RootDirectory.normalize(target)
                                               : RootDirectory.normalize("/dev/disk/\(directory)/" + target)
            if let mount = mounts.first(where: { $0.source == device || $0.source == link }) { return mount.target }
            if case .success(let st) = root.status(link) {
                let number = "\(major(st.st_rdev)):\(minor(st.st_rdev))"
                if let mount = mounts.first(where: { $0.device == number }) { return mount.target }
            }
        }
        let written = ["\(tag)=\(value)", "\(tag)=\"\(value)\"", link]
        if let entry = fstab.first(where: { entry in
            written.contains(entry.source) || (tag == "UUID" && entry.source.lowercased() == "uuid=\(value.lowercased())")
        }) {
            // With a mount table, fstab counts only for a file system mounted where fstab says.
            return mounts.isEmpty || mounts.contains(where: { $0.target == entry.target }) ? entry.target : nil
        }
        return nil
    }

    /// The known mount point whose own file system holds `file` (not one mounted deeper).
    private func holding(_ file: String) -> String? {
        var points = Set(mounts.isEmpty ? fstab.map(\.target) : mounts.map(\.target))
        if points.isEmpty { points = ["/", "/boot", "/boot/efi", "/efi"] }
        for point in points.sorted(by: { $0.count > $1.count }) {
            let path = point == "/" ? RootDirectory.normalize(file) : RootDirectory.normalize(point + "/" + file)
            let deeper = points.contains { other in
                other.count > point.count && (point == "/" || other.hasPrefix(point + "/")) && (path == other || path.hasPrefix(other + "/"))
            }
            if !deeper && root.exists(path) { return point }
        }
        return nil
    }

    private func major(_ dev: UInt) -> UInt { ((dev >> 8) & 0xfff) | ((dev >> 32) & ~UInt(0xfff)) }
    private func minor(_ dev: UInt) -> UInt { (dev & 0xff) | ((dev >> 12) & ~UInt(0xff)) }
}
