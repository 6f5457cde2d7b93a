import KexecCore
import LinuxSystem
import Quiesce

/// Everything the executor acts through: the loader, systemd, mounts, swaps, grubenv and the journal. The real
/// parts are `ExecutorParts.system(...)`; unit tests pass fakes.
public struct ExecutorParts: Sendable {
    public var loader: any KexecLoader
    public var services: any ServiceManager
    public var mounts: any MountOperations & MountRestoring
    public var swaps: any SwapOperations
    public var grubEnvironment: any GrubEnvironmentEditing
    public var journal: any JournalRecorder
    /// EFI variables (systemd-boot's LoaderEntryOneShot): efivarfs, or a test's temporary directory.
    public var efiVariables: any EfiVariables

    public init(loader: any KexecLoader, services: any ServiceManager, mounts: any MountOperations & MountRestoring,
                swaps: any SwapOperations, grubEnvironment: any GrubEnvironmentEditing,
                journal: any JournalRecorder = DiscardingJournal(), efiVariables: any EfiVariables = NoEfiVariables()) {
        self.efiVariables = efiVariables
        self.loader = loader
        self.services = services
        self.mounts = mounts
        self.swaps = swaps
        self.grubEnvironment = grubEnvironment
        self.journal = journal
    }
}
