import KexecCore
import LinuxSystem
import Quiesce

extension ExecutorParts {
    /// The real parts: kexec_file_load with the kexec-tools fallback (refusals reported against the running
    /// kernel's lockdown, loads kept in /run/kreboot/state.json), systemd over sd-bus, libmount, swapoff(2),
    /// grubenv in place, the journal, network file systems through a child (`kreboot __network-mount`), and
    /// /dev/kmsg for a kdump test's marker, /sys/kernel/kexec_crash_loaded before its panic.
    public static func system(services: any ServiceManager = SystemdServiceManager(),
                              journal: any JournalRecorder = SystemdJournal()) -> ExecutorParts {
        let lockdown = KernelStateReader.read(root: RootDirectory()).lockdown
        return ExecutorParts(loader: TrackedKexecLoader(loader: .system(lockdown: lockdown)), services: services,
                             mounts: LibmountMountOperations(), swaps: KernelSwapOperations(),
                             grubEnvironment: GrubEnvironmentFile(), journal: journal,
                             networkMounts: ChildProcessNetworkMounts(), kernelLog: KmsgWriter(), efiVariables: EfiVarFS(),
                             crashKernelLoaded: { KernelStateReader.read(root: RootDirectory()).kexecCrashLoaded })
    }
}
