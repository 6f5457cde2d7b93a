import KexecCore
import LinuxSystem
/// What the user asked for: the mode and the overrides of target and command line.
public struct PlanOptions: Codable, Sendable, Equatable {
    public var mode: PlanMode
    /// `--entry`: a boot entry id, title, or index (`2`, `1>0`).
    public var entry: String?
    /// `--kernel`: an explicit kernel image (target path).
    public var kernel: String?
    /// `--initrd` (repeatable).
    public var initrds: [String]
    /// `--append`: added to the entry's command line.
    public var append: String?
    /// `--command-line`: replaces the command line.
    public var commandLine: String?
    /// `--reuse-cmdline`: the running kernel's command line without `BOOT_IMAGE=` and `initrd=`.
    public var reuseCommandLine: Bool
    /// Who quiesces, and what the user overrides (`--via`, `--ignore-sessions`, `--ignore-inhibitors`).
    public var policy: RunPolicy

    public init(mode: PlanMode = .reboot, entry: String? = nil, kernel: String? = nil, initrds: [String] = [],
                append: String? = nil, commandLine: String? = nil, reuseCommandLine: Bool = false, policy: RunPolicy = RunPolicy()) {
        self.mode = mode
        self.entry = entry
        self.kernel = kernel
        self.initrds = initrds
        self.append = append
        self.commandLine = commandLine
        self.reuseCommandLine = reuseCommandLine
        self.policy = policy
    }
}
