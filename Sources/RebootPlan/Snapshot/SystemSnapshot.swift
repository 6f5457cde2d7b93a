import KexecCore
import LinuxSystem
/// Everything the planner needs to know about a system, read once. The planner does no I/O:
/// it turns a snapshot and the user's options into a plan.
public struct SystemSnapshot: Sendable {
    /// The root the snapshot was read from.
    public var root: RootDirectory
    /// The process running kreboot (uid, capabilities, container, architecture).
    public var process: ProcessContext
    /// The mount table, in table order.
    public var mounts: [MountEntry]
    /// The file the mount table was read from (target path).
    public var mountTableFile: String
    /// Why the mount table could not be read, when it could not.
    public var mountTableProblem: SystemError?
    /// /proc/cmdline of the running kernel.
    public var commandLine: String?
    /// Why /proc/cmdline could not be read (a FIFO, too large), when it could not.
    public var commandLineProblem: String? = nil
    /// kexec state, lockdown, crash reservation, memory.
    public var kernel: KernelState
    /// /etc/machine-id.
    public var machineID: String?
    /// The boot loader's entries and default.
    public var bootLoader: BootLoaderDiscovery
    /// The kdump configuration, when the system has one.
    public var kdump: KdumpConfig?
    /// Why a kdump configuration file could not be read (a FIFO, too large), when one could not.
    public var kdumpProblem: String? = nil
    /// systemd-networkd's .network files that set a static `Address=` (in /etc, /run, /usr/lib, /lib
    /// systemd/network), read when KDUMP_NETCONFIG asks for `IFACE:static`; nil when not read.
    public var networkdStaticFiles: [String]? = nil
    /// Facts about each kernel and initrd the plan may use, keyed by target path: from `read`, those the plan
    /// for its options uses (the explicit ones, the kdump overrides, the chosen target's), not every entry's.
    public var files: [String: FileFacts]
    /// Free bytes of the file system holding each path asked about (the kdump save directory), keyed by target path.
    public var freeSpace: [String: UInt64]
    /// Other users' login sessions (logind); nil when not known (e.g. planning for another root).
    public var sessions: [LoginSession]?
    /// The active swap areas (/proc/swaps).
    public var swaps: [SwapArea] = []
    /// MemAvailable (/proc/meminfo), for the pages in swap to come back to.
    public var memAvailableBytes: UInt64?
    /// The kdump services configured on the system (each present configuration, whether its tool is installed).
    public var kdumpSavers: [KdumpSaver] = []
    /// kreboot's record of the capture kernel it loaded (/run/kreboot/state.json), when it has one.
    public var crashLoadRecord: KexecLoadRecord?
    /// The kreboot binary a capture boot without an initramfs runs as init: the running one on the real
    /// root, /usr/sbin/kreboot for another root.
    public var krebootPath: String = "/usr/sbin/kreboot"
    /// The device to mount on the dump directory in a capture boot without an initramfs (the directory's
    /// own file system, when it is not the root's); nil when there is none.
    public var dumpSaveDevice: String?
    /// kexec-tools' `kexec` under the root (/usr/sbin/kexec or /sbin/kexec), nil when not installed.
    public var kexecTools: String?
    /// journald's persistent journal directory (/var/log/journal) when it exists; nil with a volatile journal.
    public var persistentJournal: String?
    /// Mount points whose fstab entry has `_netdev`: network mounts whatever their type.
    public var netdevMounts: Set<String> = []
    /// The preflight probe of each network mount, in table order (empty when there are none).
    public var networkMountProbes: [NetworkMountProbe] = []
    /// kreboot's capture initrd for the running release (read for kdump plans), when one was ever built.
    public var captureInitrd: CaptureInitrd?

    /// Whether the mount is a network mount (its type, or `_netdev`): unmounted while the network is still up.
    public func isNetworkMount(_ mount: MountEntry) -> Bool {
        mount.isNetworkMount(netdev: netdevMounts.contains(mount.target))
    }

    public init(root: RootDirectory = RootDirectory(), process: ProcessContext, mounts: [MountEntry] = [],
                mountTableFile: String = "/proc/self/mountinfo", mountTableProblem: SystemError? = nil,
                commandLine: String? = nil, kernel: KernelState = KernelState(), machineID: String? = nil,
                bootLoader: BootLoaderDiscovery = BootLoaderDiscovery(), kdump: KdumpConfig? = nil,
                files: [String: FileFacts] = [:], freeSpace: [String: UInt64] = [:], sessions: [LoginSession]? = nil) {
        self.root = root
        self.process = process
        self.mounts = mounts
        self.mountTableFile = mountTableFile
        self.mountTableProblem = mountTableProblem
        self.commandLine = commandLine
        self.kernel = kernel
        self.machineID = machineID
        self.bootLoader = bootLoader
        self.kdump = kdump
        self.files = files
        self.freeSpace = freeSpace
        self.sessions = sessions
    }
}
