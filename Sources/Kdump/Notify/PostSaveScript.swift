import KexecCore
import LinuxSystem
import RebootPlan

/// KDUMP_POSTSCRIPT: run after the dump is saved or failed, before the reboot, as
/// `SCRIPT saved|failed PLACE`, PLACE being the dump directory (the target's URL and directory for a server)
/// or the target for a failure. Its output goes to the console; it may take at most `timeout` and its exit
/// status is said, never acted on (the dump is already where it is).
public struct PostSaveScript {
    public var path: String
    public var runner: any SubprocessRunner
    public var timeout: Duration
    public var log: @Sendable (String) -> Void

    public init(path: String, runner: any SubprocessRunner = SpawnSubprocessRunner(), timeout: Duration = .seconds(300),
                log: @escaping @Sendable (String) -> Void) {
        self.path = path
        self.runner = runner
        self.timeout = timeout
        self.log = log
    }

    /// The argv for `event` with the dump's target.
    public func arguments(_ event: DumpNotifier.Event, target: DumpTarget) -> [String] {
        switch event {
        case .saved(let result):
            return [path, "saved", target.isRemote ? "\(target)/\(DumpFiles.name(of: result.directory))" : result.directory]
        case .failed:
            return [path, "failed", "\(target)"]
        }
    }

    /// Runs the script and says how it ended.
    public func run(_ event: DumpNotifier.Event, target: DumpTarget) {
        let result = runner.runReportingSpawnFailure(arguments(event, target: target), options: SubprocessOptions(echo: true, timeout: timeout))
        if result.timedOut {
            log("KDUMP_POSTSCRIPT \(path): killed after \(timeout.components.seconds) s")
        } else {
            log("KDUMP_POSTSCRIPT \(path): exit \(result.status)")
        }
    }
}
