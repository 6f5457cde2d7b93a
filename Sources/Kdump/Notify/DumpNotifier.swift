import FoundationEssentials
import KexecCore
import LinuxSystem
import RebootPlan

#if canImport(Glibc)
import Glibc
#endif

/// After a capture boot's save: the e-mail SUSE's kdump sends (KDUMP_SMTP_SERVER, KDUMP_NOTIFICATION_TO/CC,
/// KDUMP_SMTP_USER/PASSWORD) with the host, the time, the crashed kernel's release, its panic message, where
/// the dump is and its size — or why it was not saved. A mail that cannot be sent is said on the console (the
/// reason, never the password) and changes nothing else.
public struct DumpNotifier {
    /// What happened to the dump.
    public enum Event {
        case saved(DumpSaveResult)
        case failed(String)
    }

    public var notification: DumpNotification
    /// Where the dump went (masked).
    public var target: DumpTarget
    public var log: @Sendable (String) -> Void
    /// Opens the connection to the SMTP server (tests: a script).
    public var connect: (String, UInt16, Int) -> Result<SmtpChannel, TCPLineError>
    public var hostName: String
    public var now: () -> Date

    public init(notification: DumpNotification, target: DumpTarget, log: @escaping @Sendable (String) -> Void,
                connect: @escaping (String, UInt16, Int) -> Result<SmtpChannel, TCPLineError> = { address, port, timeout in
                    TCPLineConnection.open(address: address, port: port, timeoutSeconds: timeout).map { $0 as SmtpChannel }
                },
                hostName: String = DumpNotifier.systemHostName(), now: @escaping () -> Date = { Date() }) {
        self.notification = notification
        self.target = target
        self.log = log
        self.connect = connect
        self.hostName = hostName
        self.now = now
    }

    /// gethostname(2).
    public static func systemHostName() -> String {
        var buffer = [CChar](repeating: 0, count: 256)
        guard gethostname(&buffer, buffer.count - 1) == 0 else { return "localhost" }
        return String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    /// The subject and the body for `event`.
    public func mail(_ event: Event, release: String?, panic: String?) -> (subject: String, body: String) {
        var lines = ["Host: \(hostName)", "Time: \(ISOTimestamp.string(from: now()))",
                     "Kernel: \(release ?? "unknown")", "Panic: \(panic ?? "unknown")"]
        let subject: String
        switch event {
        case .saved(let result):
            subject = "kdump: \(hostName) saved a crash dump"
            let place = target.isRemote ? "\(target)/\(DumpFiles.name(of: result.directory))" : result.directory
            lines.append("Dump: \(place)" + (result.vmcore == nil ? " (no vmcore: KDUMP_DUMPFORMAT=none)" : ""))
            lines.append("Size: " + (result.vmcoreBytes.map { "\($0) bytes (\($0 >> 20) MiB)" } ?? "unknown"))
        case .failed(let reason):
            subject = "kdump: \(hostName) could not save a crash dump"
            lines.append("Dump: not saved to \(target): \(reason)")
        }
        return (subject, lines.joined(separator: "\n") + "\n")
    }

    /// Sends the mail; says on the console to whom, or why not.
    public func send(_ event: Event, release: String?, panic: String?) {
        guard notification.sendsMail, let host = notification.smtpHost else { return }
        let port = UInt16(notification.smtpPort ?? 25)
        guard let address = HostAddress.resolve(host) else {
            log("mail via \(host): cannot resolve the server's address; nobody is notified")
            return
        }
        let channel: SmtpChannel
        switch connect(address, port, 30) {
        case .success(let opened): channel = opened
        case .failure(let error):
            log("mail via \(host):\(port): \(error.reason); nobody is notified")
            return
        }
        let (subject, body) = mail(event, release: release, panic: panic)
        let mailer = SmtpMailer(notification: notification, from: "root@\(hostName)", helloName: hostName)
        do {
            try mailer.send(subject: subject, body: body, date: ISOTimestamp.string(from: now()), over: channel)
            log("mail sent to \((notification.to + notification.cc).joined(separator: ", ")) via \(host):\(port)")
        } catch {
            log(error.message + "; nobody is notified")
        }
    }
}
