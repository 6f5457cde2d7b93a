import KexecCore
import Quiesce

/// Everything the executor acts through: the loader, systemd, mounts, network mounts, swaps, grubenv and the journal. The real
/// parts are `ExecutorParts.system(...)`; unit tests pass fakes.
public struct ExecutorParts: Sendable {
    public var loader: any KexecLoader
    public var services: any ServiceManager
    public var mounts: any MountOperations & MountRestoring
    public var swaps: any SwapOperations
    public var grubEnvironment: any GrubEnvironmentEditing
    public var journal: any JournalRecorder
    /// Network file systems: each operation bounded in time (the real one works in a child process).
    public var networkMounts: any NetworkMountOperations

    public init(loader: any KexecLoader, services: any ServiceManager, mounts: any MountOperations & MountRestoring,
                swaps: any SwapOperations, grubEnvironment: any GrubEnvironmentEditing,
                journal: any JournalRecorder = DiscardingJournal(),
                networkMounts: any NetworkMountOperations = NoNetworkMounts()) {
        self.networkMounts = networkMounts
        self.loader = loader
        self.services = services
        self.mounts = mounts
        self.swaps = swaps
        self.grubEnvironment = grubEnvironment
        self.journal = journal
    }
}
