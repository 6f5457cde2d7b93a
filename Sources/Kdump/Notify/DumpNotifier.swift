import FoundationEssentials
import KexecCore
import LinuxSystem
import RebootPlan

#if canImport(Glibc)
import Glibc
#endif

/// After a capture boot's save: the e-mail SUSE's kdump sends (KDUMP_SMTP_SERVER, KDUMP_NOTIFICATION_TO/CC,
/// KDUMP_SMTP_USER/PASSWORD) with the host, the time, the crashed kernel's release, its panic message, where
/// the dump is and its size — or why it was not saved — sent by `DumpMailer` through libcurl. A mail that
/// cannot be sent is said on the console (the reason, never the password) and changes nothing else.
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
    /// Runs the SMTP request (libcurl; tests: a recorder, or libcurl against a sink on the loopback).
    public var performer: any CurlPerforming
    public var hostName: String
    public var now: () -> Date

    public init(notification: DumpNotification, target: DumpTarget, log: @escaping @Sendable (String) -> Void,
                performer: any CurlPerforming = LibcurlPerformer(),
                hostName: String = DumpNotifier.systemHostName(), now: @escaping () -> Date = { Date() }) {
        self.notification = notification
        self.target = target
        self.log = log
        self.performer = performer
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

    /// The message for `event`, from `root@HOST` (as SUSE's kdump) to KDUMP_NOTIFICATION_TO with
    /// KDUMP_NOTIFICATION_CC.
    public func message(_ event: Event, release: String?, panic: String?) -> DumpMailMessage {
        let (subject, body) = mail(event, release: release, panic: panic)
        return DumpMailMessage(from: "root@\(hostName)", to: notification.to, cc: notification.cc, subject: subject,
                               date: DumpMailMessage.rfc5322Date(Int64(now().timeIntervalSince1970)), body: body)
    }

    /// Sends the mail; says on the console to whom, or why not.
    public func send(_ event: Event, release: String?, panic: String?) {
        guard notification.sendsMail else { return }
        let mailer = DumpMailer(notification: notification, performer: performer)
        let message = message(event, release: release, panic: panic)
        do {
            try mailer.send(message)
            log("mail sent to \(message.recipients.joined(separator: ", ")) via \(mailer.server)")
        } catch {
            log(error.message + "; nobody is notified")
        }
    }
}
