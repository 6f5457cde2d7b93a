import LinuxSystem

/// Unmounts, remounts and mounts again network file systems without ever hanging the caller: each operation
/// has a time limit, and one whose server does not answer throws `.timedOut` naming the mount and the server.
/// The real implementation is `ChildProcessNetworkMounts` (the work in a child process, killed when its time is
/// up); tests pass a fake.
public protocol NetworkMountOperations: Sendable {
    /// Unmounts the file system at `mount.target`; with `detach`, detaches it lazily (umount2 MNT_DETACH), with
    /// `force` adding MNT_FORCE. A busy one throws with `errno` EBUSY.
    func unmount(_ mount: MountEntry, server: String, detach: Bool, force: Bool, timeout: Duration) throws(QuiesceError)
    /// Remounts it read-only (a busy one, instead of the unmount).
    func remountReadOnly(_ mount: MountEntry, server: String, timeout: Duration) throws(QuiesceError)
    /// Remounts it read-write again (a rollback).
    func remountReadWrite(_ mount: MountEntry, server: String, timeout: Duration) throws(QuiesceError)
    /// Mounts it again as the table described it (a rollback); nothing to do when it is mounted there already
    /// (systemd mounts fstab's network file systems again when the default target is isolated).
    func mountAgain(_ mount: MountEntry, server: String, timeout: Duration) throws(QuiesceError)
}

/// The network operation a child process carries out (`kreboot __network-mount OPERATION`).
public enum NetworkMountOperation: String, Sendable, CaseIterable {
    case unmount
    case remountReadOnly = "remount-ro"
    case remountReadWrite = "remount-rw"
    case mountAgain = "mount-again"
}

/// Stands in where no network mount is expected (the default of `ExecutorParts`): every call fails, saying so.
public struct NoNetworkMounts: NetworkMountOperations {
    public init() {}

    private func refuse(_ mount: MountEntry) -> QuiesceError {
        QuiesceError(.unavailable, operation: "network mount \(mount.target)", path: mount.target,
                     "\(mount.target): no network mount operations were given to this run")
    }

    public func unmount(_ mount: MountEntry, server: String, detach: Bool, force: Bool, timeout: Duration) throws(QuiesceError) {
        throw refuse(mount)
    }

    public func remountReadOnly(_ mount: MountEntry, server: String, timeout: Duration) throws(QuiesceError) {
        throw refuse(mount)
    }

    public func remountReadWrite(_ mount: MountEntry, server: String, timeout: Duration) throws(QuiesceError) {
        throw refuse(mount)
    }

    public func mountAgain(_ mount: MountEntry, server: String, timeout: Duration) throws(QuiesceError) {
        throw refuse(mount)
    }
}
