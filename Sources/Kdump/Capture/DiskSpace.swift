import KexecCore
import LinuxSystem
#if canImport(Glibc)
import Glibc
#endif

/// Free space on the save directory's file system, and KDUMP_FREE_DISK_SIZE's rule: after the dump,
/// at least that many MiB must stay free.
public enum DiskSpace {
    /// SUSE's default KDUMP_FREE_DISK_SIZE.
    public static let defaultFreeMiB = 64

    /// Bytes available to unprivileged writers (f_bavail × f_frsize) on the file system of the directory
    /// `path`, asked of a descriptor (opened O_PATH, nothing read); nil when it cannot be opened.
    /// The corresponding C function is `fstatvfs`.
    public static func availableBytes(_ path: String) -> UInt64? {
        RootDirectory().freeBytes(path, nearestExisting: false)
    }

    /// Whether writing `estimateBytes` into `availableBytes` leaves `requiredFreeMiB` free.
    public static func leavesEnough(availableBytes: UInt64, estimateBytes: UInt64, requiredFreeMiB: Int) -> Bool {
        let required = UInt64(max(0, requiredFreeMiB)) << 20
        return availableBytes >= estimateBytes && availableBytes - estimateBytes >= required
    }
}
