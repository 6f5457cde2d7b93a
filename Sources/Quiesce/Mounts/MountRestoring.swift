import LinuxSystem

/// Mounts a file system again exactly as the mount table described it before it was unmounted: the rollback
/// of an unmount, so a mount that no unit or fstab line brings back is not lost.
public protocol MountRestoring: Sendable {
    /// Mounts `entry.source` at `entry.target` with its type and options (`mount -t TYPE -o OPTS SOURCE TARGET`).
    func mountAgain(_ entry: MountEntry) throws(QuiesceError)
}

extension MountEntry {
    /// The options to mount this entry again with: the VFS options, then the file system's own, each once
    /// (`rw,relatime,errors=remount-ro`); kernel-only fields such as `seclabel` are left to the kernel.
    public var optionsToMountAgain: String {
        var seen = Set<Substring>()
        var result: [Substring] = []
        for option in (vfsOptions + "," + fsOptions).split(separator: ",") where !option.isEmpty && option != "seclabel" {
            if seen.insert(option).inserted { result.append(option) }
        }
        return result.joined(separator: ",")
    }
}
