import KexecCore
import LinuxSystem
import RebootPlan
import SystemPackage

#if canImport(Glibc)
import Glibc
#endif

/// Sends a `DumpMailMessage` over SMTP through libcurl (`smtp://server:port`, STARTTLS when the server
/// offers it, AUTH with KDUMP_SMTP_USER and KDUMP_SMTP_PASSWORD when both are set), bounded in time so a
/// capture boot never hangs on a mail. The password goes to libcurl only; a failure names the server, never
/// the password.
public struct DumpMailer: Sendable {
    public var notification: DumpNotification
    public var performer: any CurlPerforming
    /// Seconds to connect, and for the whole mail.
    public var connectTimeout: Int
    public var totalTimeout: Int

    public init(notification: DumpNotification, performer: any CurlPerforming = LibcurlPerformer(),
                connectTimeout: Int = 20, totalTimeout: Int = 60) {
        self.notification = notification
        self.performer = performer
        self.connectTimeout = connectTimeout
        self.totalTimeout = totalTimeout
    }

    /// The envelope sender: `root@HOST` (what SUSE's kdump and most MTAs use for system mail).
    public static func sender(host: String) -> String { "root@\(host.isEmpty ? "localhost" : host)" }

    /// The mail about this crash, to KDUMP_NOTIFICATION_TO with KDUMP_NOTIFICATION_CC, from `sender(host:)`.
    public func message(host: String, time: Int64, release: String?, panic: String?, location: String?,
                        dumpBytes: UInt64?, failure: String?) -> DumpMailMessage {
        DumpMailMessage(host: host, time: time, release: release, panic: panic, location: location, dumpBytes: dumpBytes,
                        failure: failure, from: Self.sender(host: host), to: notification.to, cc: notification.cc)
    }

    /// The request that sends `message` (the message itself is read from `messageFD`).
    public func request(for message: DumpMailMessage, messageFD: Int32) -> CurlRequest? {
        guard notification.sendsMail, let server = notification.smtpHost else { return nil }
        let host = server.contains(":") ? "[\(server)]" : server
        var request = CurlRequest(url: "smtp://\(host):\(notification.smtpPort ?? 25)", protocols: "smtp")
        request.mailFrom = "<\(message.from)>"
        request.mailRecipients = message.recipients.map { "<\($0)>" }
        if let user = notification.smtpUser, let password = notification.transportPassword() {
            request.username = user
            request.password = password
        }
        request.tlsIfOffered = true
        request.uploadFrom = messageFD
        request.connectTimeout = connectTimeout
        request.totalTimeout = totalTimeout
        return request
    }

    /// Sends `message`; nil when no mail is configured, else what happened in one line (for the console and the
    /// journal): `mail sent to a@b via smtp:25` or `mail to a@b via smtp:25 failed: …`.
    public func send(_ message: DumpMailMessage) -> String? {
        guard notification.sendsMail else { return nil }
        let via = "via \(notification.smtpHost ?? "")" + (notification.smtpPort.map { ":\($0)" } ?? ":25")
        let who = message.recipients.joined(separator: ", ")
        var fds: [Int32] = [-1, -1]
        guard pipe(&fds) == 0 else { return "mail to \(who) \(via) failed: pipe: \(Errno(rawValue: errno))" }
        defer { close(fds[0]) }
        let bytes = Array(message.text.utf8.prefix(60_000))  // under a pipe's 64 KiB: written before reading
        let written = bytes.withUnsafeBytes { write(fds[1], $0.baseAddress, $0.count) }
        close(fds[1])
        guard written == bytes.count, let request = request(for: message, messageFD: fds[0]) else {
            return "mail to \(who) \(via) failed: the message could not be prepared"
        }
        do {
            _ = try performer.perform(request)
            return "mail sent to \(who) \(via)"
        } catch {
            return "mail to \(who) \(via) failed: \(error.message)"
        }
    }
}
