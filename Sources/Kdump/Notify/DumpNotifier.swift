import FoundationEssentials
import KexecCore
import LinuxSystem
import RebootPlan

#if canImport(Glibc)
import Glibc
#endif

/// What a capture boot does after saving (or failing to save) the dump, as SUSE's kdump does: the e-mail
/// (`DumpMailer`: KDUMP_SMTP_SERVER, KDUMP_NOTIFICATION_TO/CC) and the hook KDUMP_POSTSCRIPT (run with the
/// dump's directory as its argument, bounded in time). Each says in one line what happened, through `log`
/// (the console and, under systemd, the journal); neither can stop the reboot that follows.
public struct DumpNotifier {
    public var notification: DumpNotification
    public var mailer: DumpMailer
    public var runner: any SubprocessRunner
    /// The machine's name, for the mail.
    public var host: String
    public var now: @Sendable () -> Date
    public var log: @Sendable (String) -> Void
    /// How long KDUMP_POSTSCRIPT may run.
    public var postScriptTimeout: Duration

    public init(notification: DumpNotification, performer: any CurlPerforming = LibcurlPerformer(),
                runner: any SubprocessRunner = SpawnSubprocessRunner(), host: String = DumpNotifier.hostName(),
                now: @escaping @Sendable () -> Date = { Date() }, log: @escaping @Sendable (String) -> Void,
                postScriptTimeout: Duration = .seconds(300)) {
        self.notification = notification
        self.mailer = DumpMailer(notification: notification, performer: performer)
        self.runner = runner
        self.host = host
        self.now = now
        self.log = log
        self.postScriptTimeout = postScriptTimeout
    }

    /// After a save: `result` when the dump was saved, else `failure` (why not); `release` of the crashed kernel.
    public func notify(result: DumpSaveResult?, failure: String?, release: String?) {
        if notification.sendsMail {
            let message = mailer.message(host: host, time: Int64(now().timeIntervalSince1970), release: release,
                                         panic: result?.panicMessage, location: result.map { $0.vmcore ?? $0.directory },
                                         dumpBytes: result?.vmcore.flatMap(DumpFiles.size), failure: failure)
            if let line = mailer.send(message) { log(line) }
        }
        if let script = notification.postScript {
            let argv = [script] + (result.map { [$0.directory] } ?? [])
            let outcome = runner.runReportingSpawnFailure(argv, options: SubprocessOptions(echo: true, timeout: postScriptTimeout))
            log(outcome.timedOut ? "KDUMP_POSTSCRIPT \(script) did not finish within \(postScriptTimeout): killed"
                : "KDUMP_POSTSCRIPT \(script) exited \(outcome.status)")
        }
    }

    /// This machine's host name (uname), `localhost` when it has none.
    public static func hostName() -> String {
        var name = utsname()
        uname(&name)
        let text = withUnsafeBytes(of: &name.nodename) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
        return text.isEmpty || text == "(none)" ? "localhost" : text
    }
}
