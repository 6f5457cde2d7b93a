import KexecCore
import LinuxSystem
/// The kdump configuration of the system: /etc/sysconfig/kdump (SUSE), /etc/default/kdump-tools (Debian) or
/// /etc/kdump.conf with /etc/sysconfig/kdump (Red Hat), with shell-style quoting already removed. Values are as written; nil when the variable was not set.
public struct KdumpConfig: Codable, Sendable, Equatable {
    /// The file read (target path).
    public var file: String
    /// KDUMP_SAVEDIR (SUSE: `file:///var/crash`), or Debian's KDUMP_COREDIR.
    public var saveDir: String?
    public var keepOldDumps: Int?
    /// KDUMP_FREE_DISK_SIZE in MiB.
    public var freeDiskSizeMiB: Int?
    public var dumpLevel: Int?
    public var dumpFormat: String?
    public var immediateReboot: Bool?
    /// KDUMP_COMMANDLINE: replaces the capture kernel's command line.
    public var commandLine: String?
    /// KDUMP_COMMANDLINE_APPEND: appended to it.
    public var commandLineAppend: String?
    /// KDUMP_COMMANDLINE_REMOVE: parameters (by key) removed from it.
    public var commandLineRemove: String?
    /// KDUMP_KERNEL (SUSE: KDUMP_KERNELVER; Debian: KDUMP_KERNEL) override.
    public var kernel: String?
    /// KDUMP_INITRD override.
    public var initrd: String?
    /// Every assignment in the file, unquoted, for display and for what this type does not name.
    public var variables: [String: String]
    /// Why the dump target file system (Red Hat's `xfs /dev/vg/crash` line) cannot be used, when it cannot:
    /// `DumpDelivery.read` throws it, so it fails the plan's kdump-config check (78).
    public var targetError: KdumpConfigError?
    /// The first line of the file that the distribution's own tool refuses (kdump.conf: an unknown or
    /// deprecated option, one given twice, two dump targets, an option without a value): `DumpDelivery.read`
    /// throws it, so it fails the plan's kdump-config check (78).
    public var syntaxError: KdumpConfigError?

    public init(file: String, saveDir: String? = nil, keepOldDumps: Int? = nil, freeDiskSizeMiB: Int? = nil,
                dumpLevel: Int? = nil, dumpFormat: String? = nil, immediateReboot: Bool? = nil,
                commandLine: String? = nil, commandLineAppend: String? = nil, commandLineRemove: String? = nil,
                kernel: String? = nil,
                initrd: String? = nil, variables: [String: String] = [:]) {
        self.file = file
        self.saveDir = saveDir
        self.keepOldDumps = keepOldDumps
        self.freeDiskSizeMiB = freeDiskSizeMiB
        self.dumpLevel = dumpLevel
        self.dumpFormat = dumpFormat
        self.immediateReboot = immediateReboot
        self.commandLine = commandLine
        self.commandLineAppend = commandLineAppend
        self.commandLineRemove = commandLineRemove
        self.kernel = kernel
        self.initrd = initrd
        self.variables = variables
    }

    /// The save directory as a local path (`file:///var/crash` → `/var/crash`); nil for other protocols and
    /// when Debian's `SSH`/`NFS` or Red Hat's `ssh`/`nfs` send the dump to a server (`DumpDelivery`).
    public var localSaveDir: String? {
        for name in ["ssh", "nfs", "SSH", "NFS"] where variables[name]?.isEmpty == false { return nil }
        if targetError != nil || syntaxError != nil { return nil }
        guard let dir = saveDir, !dir.isEmpty else { return "/var/crash" }
        if dir.hasPrefix("file://") { return String(dir.dropFirst("file://".count)) }
        if dir.hasPrefix("/") { return dir }
        return nil
    }
}
