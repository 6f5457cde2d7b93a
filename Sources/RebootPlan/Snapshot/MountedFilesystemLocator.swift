import Glibc
import LinuxSystem

/// Finds where a file system named as fstab names them is mounted: `UUID=`, `LABEL=`, `PARTUUID=`,
/// `PARTLABEL=` through the udev links in /dev/disk/by-*, or a device path (`/dev/vg/crash`,
/// `/dev/mapper/vg-crash`, `/dev/sdb1`), matched against the mount table by source or by device number
/// (an LVM volume's links and its mount table name differ, its device number does not). Else, when the
/// mount table does not know the device, /etc/fstab's line for it (libmount) counts if something is mounted
/// where that line says. Used for GRUB's `search` and for Red Hat's dump target file systems.
public struct MountedFilesystemLocator: Sendable {
    let root: RootDirectory
    let mounts: [MountEntry]
    /// /etc/fstab's file systems, read once.
    let fstab: [MountEntry]

    /// The udev link directory for each tag fstab knows.
    static let tagDirectories = ["UUID": "by-uuid", "LABEL": "by-label", "PARTUUID": "by-partuuid", "PARTLABEL": "by-partlabel"]

    public init(root: RootDirectory, mounts: [MountEntry]) {
        self.root = root
        self.mounts = mounts
        self.fstab = (try? MountTableReader.read(fstab: "/etc/fstab", root: root)) ?? []
    }

    /// The mount point of the file system `spec` names (`UUID=…`, `LABEL=…`, `/dev/…`, or another source
    /// such as a virtiofs tag, matched as written); nil when it is not mounted or not known.
    public func mountPoint(ofSpec spec: String) -> String? {
        if let equals = spec.firstIndex(of: "="), let directory = Self.tagDirectories[String(spec[..<equals]).uppercased()] {
            var value = String(spec[spec.index(after: equals)...])
            if value.count >= 2, value.hasPrefix("\""), value.hasSuffix("\"") { value = String(value.dropFirst().dropLast()) }
            return mountPoint(tag: String(spec[..<equals]).uppercased(), directory: directory, value: value)
        }
        if spec.hasPrefix("/dev/") { return mountPoint(device: spec, written: [spec]) }
        return mounts.first(where: { $0.source == spec })?.target
    }

    /// The mount point of the file system with `tag`=`value`, by its /dev/disk/`directory` link.
    func mountPoint(tag: String, directory: String, value: String) -> String? {
        let link = "/dev/disk/\(directory)/\(value)"
        var written = ["\(tag)=\(value)", "\(tag)=\"\(value)\"", link]
        if tag == "UUID" { written.append("UUID=\(value.lowercased())") }
        return mountPoint(device: link, written: written)
    }

    /// The mount point of `device` (a path under /dev, maybe a symlink), else of the fstab line written as any
    /// of `written`.
    func mountPoint(device: String, written: [String]) -> String? {
        if !mounts.isEmpty {
            if let mount = mounts.first(where: { $0.source == device }) { return mount.target }
            if let target = root.readLink(device) {
                let resolved = target.hasPrefix("/") ? RootDirectory.normalize(target)
                    : RootDirectory.normalize(parent(of: device) + "/" + target)
                if let mount = mounts.first(where: { $0.source == resolved }) { return mount.target }
            }
            if case .success(let st) = root.status(device), (st.st_mode & S_IFMT) == S_IFBLK {
                let number = "\(Self.major(UInt(st.st_rdev))):\(Self.minor(UInt(st.st_rdev)))"
                if let mount = mounts.first(where: { $0.device == number }) { return mount.target }
            }
        }
        let lowered = Set(written.map { $0.lowercased() })
        if let entry = fstab.first(where: { written.contains($0.source) || lowered.contains($0.source.lowercased()) }) {
            // With a mount table, fstab counts only for a file system mounted where fstab says.
            return mounts.isEmpty || mounts.contains(where: { $0.target == entry.target }) ? entry.target : nil
        }
        return nil
    }

    private func parent(of path: String) -> String {
        guard let slash = path.lastIndex(of: "/"), slash != path.startIndex else { return "/" }
        return String(path[..<slash])
    }

    static func major(_ dev: UInt) -> UInt { ((dev >> 8) & 0xfff) | ((dev >> 32) & ~UInt(0xfff)) }
    static func minor(_ dev: UInt) -> UInt { (dev & 0xff) | ((dev >> 12) & ~UInt(0xff)) }
}
