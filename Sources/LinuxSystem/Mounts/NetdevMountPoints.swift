/// The mount points that fstab or libmount's utab mark `_netdev`: file systems that need the network, whatever
/// their type (an ext4 on an iSCSI disk, an NFS mount whatever its type says). The kernel's mount table does not
/// carry the option, so these files are read, through the gateway, with libmount's parser.
public enum NetdevMountPoints {
    /// The files read, as the target system names them.
    public static let files = ["/etc/fstab", "/run/mount/utab"]

    /// Mount points marked `_netdev` in `<root>/etc/fstab` or `<root>/run/mount/utab`; a missing or unreadable
    /// file adds none (the type of a mount still makes it a network mount).
    public static func read(root: RootDirectory) -> Set<String> {
        var points: Set<String> = []
        for file in files {
            guard let bytes = try? root.readFile(file, limit: .configFile), !bytes.isEmpty,
                  let table = LibmountTable() else { continue }
            _ = table.parse(bytes: bytes, name: root.hostPath(file))
            for (target, options) in table.targetsAndOptions()
            where target.hasPrefix("/") && MountEntry.options(options, contain: "_netdev") {
                points.insert(target.count > 1 && target.hasSuffix("/") ? String(target.dropLast()) : target)
            }
        }
        return points
    }
}
