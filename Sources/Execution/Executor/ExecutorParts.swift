import KexecCore
import LinuxSystem
import Quiesce

/// Everything the executor acts through: the loader, systemd, mounts, network mounts, swaps, grubenv, the journal
/// and the kernel log (a kdump test's marker). The real
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
    public var kernelLog: any KernelLogWriting
    /// EFI variables (systemd-boot's LoaderEntryOneShot): efivarfs, or a test's temporary directory.
    public var efiVariables: any EfiVariables
    /// Whether a capture kernel is loaded now (/sys/kernel/kexec_crash_loaded); nil when unknown. Asked right
    /// before a kdump test's panic: a kdump service stopped by the isolate may have unloaded it.
    public var crashKernelLoaded: @Sendable () -> Bool?

    public init(loader: any KexecLoader, services: any ServiceManager, mounts: any MountOperations & MountRestoring,
                swaps: any SwapOperations, grubEnvironment: any GrubEnvironmentEditing,
                journal: any JournalRecorder = DiscardingJournal(),
                networkMounts: any NetworkMountOperations = NoNetworkMounts(),
                kernelLog: any KernelLogWriting = DiscardingKernelLog(),
                efiVariables: any EfiVariables = NoEfiVariables(),
                crashKernelLoaded: @escaping @Sendable () -> Bool? = { nil }) {
        self.crashKernelLoaded = crashKernelLoaded
        self.networkMounts = networkMounts
        self.kernelLog = kernelLog
        self.efiVariables = efiVariables
        self.loader = loader
        self.services = services
        self.mounts = mounts
        self.swaps = swaps
        self.grubEnvironment = grubEnvironment
        self.journal = journal
    }
}
