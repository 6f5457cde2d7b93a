import KexecCore
import LinuxSystem
/// The plan: a value that says what kreboot will do, in which order, and whether it may.
/// Its JSON (schemaVersion 1) is a contract: scripts and tests rely on it.
public struct RebootPlan: Codable, Sendable, Equatable {
    /// How the command line changes from the running kernel's.
    public struct CommandLineChange: Codable, Sendable, Equatable {
        public var added: [String]
        public var removed: [String]
        public init(added: [String], removed: [String]) {
            self.added = added
            self.removed = removed
        }
    }

    public var schemaVersion: Int = 1
    public var mode: PlanMode
    /// True when no check failed: the pipeline would proceed.
    public var ok: Bool
    /// nil when no target could be chosen (then a check says why).
    public var target: BootTarget?
    public var steps: [PlanStep]
    public var checks: [PlanCheck]
    /// The running kernel's command line (/proc/cmdline), when known.
    public var runningCommandLine: String?
    /// The difference between the target's command line and the running one.
    public var commandLineChange: CommandLineChange?
    /// The root directory the plan was made for (`/` unless `--root`).
    public var root: String
    /// Whether the plan is for the system running kreboot (no `--root`): only such a plan may be run.
    /// Decided once, when the plan is made.
    public var isForRunningSystem: Bool
    /// What the run may override and how it retries.
    public var policy: RunPolicy
    /// A kdump test's capture side: who armed the capture kernel, who saves the dump where; nil for a reboot.
    public var capture: KdumpCapture?
    /// How the kernel is loaded: kreboot's kexec_file_load, or kexec-tools' kexec_load on a kernel without it, and
    /// whether the image's signature is checked (additive to schemaVersion 1; absent in older plans).
    public var loadPath: KexecLoadPath?

    public init(mode: PlanMode, target: BootTarget?, steps: [PlanStep], checks: [PlanCheck],
                runningCommandLine: String? = nil, commandLineChange: CommandLineChange? = nil, root: String = "/",
                isForRunningSystem: Bool? = nil, policy: RunPolicy = RunPolicy(), capture: KdumpCapture? = nil,
                loadPath: KexecLoadPath? = nil) {
        self.capture = capture
        self.mode = mode
        self.target = target
        self.steps = steps
        self.checks = checks
        self.runningCommandLine = runningCommandLine
        self.commandLineChange = commandLineChange
        self.root = root
        self.isForRunningSystem = isForRunningSystem ?? (root == "/")
        self.policy = policy
        self.loadPath = loadPath
        self.ok = !checks.contains { $0.status == .fail }
    }

    /// The image the plan loads (the `load` or `loadCrash` step's), if it loads one.
    public var image: KexecImage? {
        for step in steps {
            switch step {
            case .load(let image), .loadCrash(let image): return image
            default: continue
            }
        }
        return nil
    }

    /// The first failed check, in check order; nil when the plan may proceed.
    public var firstFailure: PlanCheck? { checks.first { $0.status == .fail } }
}
