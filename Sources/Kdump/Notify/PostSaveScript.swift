import KexecCore
import LinuxSystem
import RebootPlan

/// KDUMP_POSTSCRIPT: run after the dump is saved or failed, before the reboot. As in SUSE's kdump, whose
/// capture script does `eval "$KDUMP_POSTSCRIPT"`, the value is a shell command line (a program and its
/// arguments, such as `/usr/lib/fence_kdump_send -i 10 node1`), run by /bin/sh with no arguments added.
/// kreboot tells it the outcome in its environment:
///   KREBOOT_DUMP_STATUS  `saved` or `failed`
///   KREBOOT_DUMP_PLACE   the dump's directory (for a server: the target's URL, password masked, and the
///                        directory), or the target when the save failed
///   KREBOOT_DUMP_REASON  why it failed (unset when saved)
/// The command line is handed to the shell as data (`eval "$4"` in a fixed wrapper), never pasted into it.
/// Its output goes to the console; it may take at most `timeout` and its exit status is said, never acted on
/// (the dump is already where it is).
public struct PostSaveScript {
    /// KDUMP_POSTSCRIPT's command line.
    public var command: String
    public var runner: any SubprocessRunner
    public var timeout: Duration
    public var log: @Sendable (String) -> Void
    public var shell: String

    public init(command: String, runner: any SubprocessRunner = SpawnSubprocessRunner(), timeout: Duration = .seconds(300),
                shell: String = "/bin/sh", log: @escaping @Sendable (String) -> Void) {
        self.command = command
        self.runner = runner
        self.timeout = timeout
        self.shell = shell
        self.log = log
    }

    /// The wrapper: exports the outcome from its positional parameters, then evaluates the command line.
    static let wrapper = """
        KREBOOT_DUMP_STATUS=$1; KREBOOT_DUMP_PLACE=$2; export KREBOOT_DUMP_STATUS KREBOOT_DUMP_PLACE; \
        if [ "$1" = failed ]; then KREBOOT_DUMP_REASON=$3; export KREBOOT_DUMP_REASON; fi; eval "$4"
        """

    /// The outcome for the environment: status, place, and the reason of a failure.
    public func outcome(_ event: DumpNotifier.Event, target: DumpTarget) -> (status: String, place: String, reason: String) {
        switch event {
        case .saved(let result):
            return ("saved", target.isRemote ? "\(target)/\(DumpFiles.name(of: result.directory))" : result.directory, "")
        case .failed(let reason):
            return ("failed", "\(target)", reason)
        }
    }

    /// The argv for `event` with the dump's target: the shell, the wrapper, then its parameters.
    public func arguments(_ event: DumpNotifier.Event, target: DumpTarget) -> [String] {
        let (status, place, reason) = outcome(event, target: target)
        return [shell, "-c", Self.wrapper, "kdump-postscript", status, place, reason, command]
    }

    /// Runs the command line and says how it ended.
    public func run(_ event: DumpNotifier.Event, target: DumpTarget) {
        let result = runner.runReportingSpawnFailure(arguments(event, target: target), options: SubprocessOptions(echo: true, timeout: timeout))
        if result.timedOut {
            log("KDUMP_POSTSCRIPT \(command): killed after \(timeout.components.seconds) s")
        } else {
            log("KDUMP_POSTSCRIPT \(command): exit \(result.status)")
        }
    }
}
