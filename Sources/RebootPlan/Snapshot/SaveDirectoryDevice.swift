import LinuxSystem

/// The device `kreboot save-dump` must mount on the save directory in a capture boot without an initramfs:
/// the source of the mount that holds the save directory, when that is not the root file system.
public enum SaveDirectoryDevice {
    /// The block device (`/dev/…`) mounted at the deepest mount point containing `saveDir`, or nil when that
    /// is `/` (the kernel mounts it) or not a block device (tmpfs, NFS: nothing a bare capture boot mounts).
    public static func device(for saveDir: String, mounts: [MountEntry]) -> String? {
        guard let best = mounts.deepestMount(holding: saveDir), best.target != "/", best.source.hasPrefix("/dev/") else {
            return nil
        }
        return best.source
    }
}
