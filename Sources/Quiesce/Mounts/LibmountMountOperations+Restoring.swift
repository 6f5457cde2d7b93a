import LinuxSystem

extension LibmountMountOperations: MountRestoring {
    /// Mounts `entry` again through libmount with its recorded source, type and options. A bind mount of a
    /// subdirectory (a file system root other than `/`, btrfs subvolumes aside) cannot be rebuilt from its
    /// entry and is refused with a message saying so. The corresponding command is `mount -t TYPE -o OPTS SOURCE TARGET`.
    public func mountAgain(_ entry: MountEntry) throws(QuiesceError) {
        let operation = "mount \(entry.source) at \(entry.target)"
        guard entry.fsRoot == "/" || entry.fstype == "btrfs" else {
            throw QuiesceError(.failed, operation: operation, path: entry.target,
                               "\(operation): a bind mount of \(entry.fsRoot) cannot be mounted again from its table entry")
        }
        let context = try MountContext(operation: operation, path: entry.target)
        try context.setSource(entry.source)
        try context.setFileSystemType(entry.fstype)
        try context.setOptions(entry.optionsToMountAgain)
        try context.mount()
    }
}
