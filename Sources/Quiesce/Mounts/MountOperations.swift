import LinuxSystem

/// Unmounts, remounts and syncs file systems, and finds who keeps them busy. The real implementation is
/// `LibmountMountOperations`; `RecordingMountOperations` stands in unit tests.
public protocol MountOperations: Sendable {
    /// Unmounts the file system mounted at `path`. A busy mount throws with `errno` EBUSY.
    func unmount(path: String) throws(QuiesceError)
    /// Remounts the file system at `path` read-only (`mount -o remount,ro PATH`).
    func remountReadOnly(path: String) throws(QuiesceError)
    /// Remounts the file system at `path` read-write again (`mount -o remount,rw PATH`), for a rollback.
    func remountReadWrite(path: String) throws(QuiesceError)
    /// Flushes the file system at `path` to disk (syncfs(2)), or every local read-write one when nil, then sync(2).
    func sync(path: String?) throws(QuiesceError)
    /// Processes holding regular files open for writing on the file system that contains `path` (like `fuser -m`,
    /// writers only): what makes a remount read-only fail with EBUSY.
    func writers(of path: String) throws(QuiesceError) -> [MountWriter]
    /// The local (block-device) file systems still mounted read-write: must be empty before a kexec.
    func readWriteLocalMounts() throws(QuiesceError) -> [MountEntry]
}
