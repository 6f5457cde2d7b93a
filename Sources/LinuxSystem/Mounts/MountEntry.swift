/// One line of the mount table (mountinfo), as libmount parsed it.
public struct MountEntry: Codable, Sendable, Equatable {
    /// mountinfo's mount ID and parent ID (0 when the table had none, e.g. /etc/mtab).
    public var id: Int
    public var parentID: Int
    /// The mounted source: a device, `server:/export`, `overlay`, `tmpfs` …
    public var source: String
    /// The mount point as the target system sees it.
    public var target: String
    public var fstype: String
    /// The VFS options (`rw,nosuid,relatime`).
    public var vfsOptions: String
    /// The file-system-specific options (`rw,errors=remount-ro`).
    public var fsOptions: String
    /// The root of the mount within its file system (`/` unless a bind mount of a subdirectory).
    public var fsRoot: String
    /// `major:minor` of the device, when known.
    public var device: String?

    public init(id: Int = 0, parentID: Int = 0, source: String, target: String, fstype: String,
                vfsOptions: String = "rw", fsOptions: String = "", fsRoot: String = "/", device: String? = nil) {
        self.id = id
        self.parentID = parentID
        self.source = source
        self.target = target
        self.fstype = fstype
        self.vfsOptions = vfsOptions
        self.fsOptions = fsOptions
        self.fsRoot = fsRoot
        self.device = device
    }

    /// Whether the mount is read-only at the VFS level.
    public var isReadOnly: Bool {
        MountEntry.options(vfsOptions, contain: "ro")
    }

    /// Whether the file system itself (the superblock) is read-only: a bind mount of a file system remounted
    /// read-only elsewhere is `rw` at the VFS level but cannot be written.
    public var isSuperblockReadOnly: Bool {
        MountEntry.options(fsOptions, contain: "ro")
    }

    /// Whether the comma-separated `options` include `option` exactly (scanned in place, nothing allocated).
    static func options(_ options: String, contain option: StaticString) -> Bool {
        let wanted = UnsafeBufferPointer(start: option.utf8Start, count: option.utf8CodeUnitCount)
        let bytes = options.utf8
        var start = bytes.startIndex
        while true {
            let end = bytes[start...].firstIndex(of: UInt8(ascii: ",")) ?? bytes.endIndex
            if bytes[start..<end].elementsEqual(wanted) { return true }
            guard end < bytes.endIndex else { return false }
            start = bytes.index(after: end)
        }
    }

    /// What the file system stores (see `FileSystemKind.init(of:)`).
    public var fileSystemKind: FileSystemKind { FileSystemKind(of: self) }

    /// Whether this is a local disk file system that can still be written: what must not be left when the
    /// kexec happens. A `.localDisk` kind, read-only neither at the mount nor at the superblock.
    public var isLocalReadWrite: Bool {
        fileSystemKind == .localDisk && !isReadOnly && !isSuperblockReadOnly
    }
}
