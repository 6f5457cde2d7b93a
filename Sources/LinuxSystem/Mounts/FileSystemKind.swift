/// What a file system type stores, classified once for both readers of the rule: the planner (which mounts
/// to unmount before a kexec) and the executor's last gate (no local disk file system may still be read-write
/// when the kexec happens). Each type is in at most one list.
public enum FileSystemKind: String, Sendable, Codable, CaseIterable {
    /// A file system on a local block device that can be written, so a kexec without unmounting it (or
    /// remounting it read-only) leaves it dirty: ext4, xfs, btrfs, vfat, udf, the cluster file systems on
    /// shared disks (ocfs2, gfs2), …
    case localDisk
    /// Data on another machine or the hypervisor: nfs, cifs, ceph, 9p, virtiofs, FUSE network clients.
    case network
    /// Kernel and memory file systems: nothing on them outlives a reboot, or they are interfaces, not storage.
    case virtual
    /// Types that cannot be written (squashfs, iso9660, erofs, …): nothing to flush.
    case readOnly
    /// An overlay: what it stores depends on the file system its upper directory lives on.
    case overlay
    /// A type none of the lists names.
    case unknown

    /// Block-device file systems that can be left dirty. The union of what the planner and the executor's gate
    /// each listed before (udf is writable on Linux; reiser4, ocfs2 and gfs2 live on block devices too).
    public static let localDiskTypes: Set<String> = [
        "ext2", "ext3", "ext4", "xfs", "btrfs", "f2fs", "vfat", "msdos", "exfat", "ntfs", "ntfs3", "fuseblk",
        "jfs", "reiserfs", "reiser4", "nilfs2", "bcachefs", "zfs", "udf", "hfs", "hfsplus", "ufs", "minix",
        "ocfs2", "gfs2",
    ]

    /// File systems whose data lives on another machine (or the hypervisor).
    public static let networkTypes: Set<String> = [
        "nfs", "nfs4", "cifs", "smb3", "smbfs", "ceph", "glusterfs", "fuse.glusterfs", "9p", "virtiofs",
        "fuse.sshfs", "fuse.s3fs", "fuse.rclone", "fuse.ceph", "fuse.cephfs", "lustre", "afs", "ncpfs", "davfs",
        "fuse.davfs2", "beegfs", "gpfs", "orangefs",
    ]

    /// Kernel and memory file systems.
    public static let virtualTypes: Set<String> = [
        "proc", "sysfs", "devtmpfs", "devpts", "tmpfs", "ramfs", "cgroup", "cgroup2", "securityfs", "debugfs",
        "tracefs", "configfs", "pstore", "bpf", "efivarfs", "hugetlbfs", "mqueue", "fusectl", "autofs",
        "binfmt_misc", "nsfs", "rpc_pipefs", "selinuxfs", "smackfs", "nfsd", "rootfs", "fuse.lxcfs",
        "fuse.gvfsd-fuse", "fuse.portal", "fuse.snapfuse", "zonefs", "cpuset",
    ]

    /// File system types that cannot be written.
    public static let readOnlyTypes: Set<String> = ["squashfs", "iso9660", "erofs", "cramfs", "romfs"]

    /// The kind of a file system type on its own (`unknown` for a type no list names).
    public init(type: String) {
        if Self.localDiskTypes.contains(type) { self = .localDisk }
        else if Self.networkTypes.contains(type) { self = .network }
        else if Self.virtualTypes.contains(type) { self = .virtual }
        else if Self.readOnlyTypes.contains(type) { self = .readOnly }
        else if type == "overlay" { self = .overlay }
        else { self = .unknown }
    }

    /// The kind of a mount: its type's kind, except that a type no list names mounted from a `/dev/…` source
    /// counts as a local disk (a file system the lists do not know yet is safer flushed than ignored).
    public init(of mount: MountEntry) {
        let kind = FileSystemKind(type: mount.fstype)
        self = kind == .unknown && mount.source.hasPrefix("/dev/") ? .localDisk : kind
    }
}
