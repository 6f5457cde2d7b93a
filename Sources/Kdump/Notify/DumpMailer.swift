import KexecCore
import LinuxSystem
import RebootPlan
import SystemPackage

#if canImport(Glibc)
import Glibc
#endif

/// Sends a `DumpMailMessage` over SMTP through libcurl: SMTP itself (EHLO, the AUTH mechanism the server
/// offers, MAIL FROM, RCPT TO for each recipient, DATA with dot-stuffing, the replies) is libcurl's, not
/// kreboot's. STARTTLS when the server offers it (`CURLUSESSL_TRY`), AUTH with KDUMP_SMTP_USER and
/// KDUMP_SMTP_PASSWORD when both are set (the initial response in the AUTH line), bounded in time so a capture
/// boot never hangs on a mail. The password goes to libcurl only; a failure names the server and libcurl's
/// reason (which names the host and the server's reply), never the password.
public struct DumpMailer: Sendable {
    public var notification: DumpNotification
    /// Runs the request (libcurl; a recording fake in tests).
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

    /// `host:port` of KDUMP_SMTP_SERVER (port 25 unless given), for messages.
    public var server: String {
        let host = notification.smtpHost ?? ""
        return (host.contains(":") ? "[\(host)]" : host) + ":\(notification.smtpPort ?? 25)"
    }

    /// The request that sends `message`, read from `messageFD`; nil when no mail is configured.
    public func request(for message: DumpMailMessage, messageFD: Int32) -> CurlRequest? {
        guard notification.sendsMail else { return nil }
        var request = CurlRequest(url: "smtp://\(server)", protocols: "smtp")
        request.mailFrom = "<\(DumpMailMessage.oneLine(message.from))>"
        request.mailRecipients = message.recipients.map { "<\(DumpMailMessage.oneLine($0))>" }
        if let user = notification.smtpUser, let password = notification.transportPassword() {
            request.username = user
            request.password = password
            request.authInitialResponse = true
        }
        request.tlsIfOffered = true
        request.uploadFrom = messageFD
        request.connectTimeout = connectTimeout
        request.totalTimeout = totalTimeout
        return request
    }

    /// Sends `message`; `.unavailable` naming the server and libcurl's reason when it cannot.
    public func send(_ message: DumpMailMessage) throws(KexecError) {
        let bytes = Array(message.text.utf8)
        // The message goes through a pipe written whole before libcurl reads it: it must fit in one (64 KiB).
        guard bytes.count <= 60_000 else { throw failure("the message has \(bytes.count) bytes, more than 60000") }
        var fds: [Int32] = [-1, -1]
        guard pipe(&fds) == 0 else { throw failure("pipe: \(Errno(rawValue: errno))") }
        defer { close(fds[0]) }
        let written = bytes.withUnsafeBytes { write(fds[1], $0.baseAddress, $0.count) }
        let writeErrno = errno
        close(fds[1])
        guard written == bytes.count else { throw failure("writing the message into a pipe: \(Errno(rawValue: writeErrno))") }
        guard let request = request(for: message, messageFD: fds[0]) else {
            throw failure("KDUMP_SMTP_SERVER and KDUMP_NOTIFICATION_TO are both needed")
        }
        do { _ = try performer.perform(request) } catch { throw failure(error.message) }
    }

    func failure(_ reason: String) -> KexecError {
        KexecError(.unavailable, operation: "save-dump", path: server, "mail via \(server): \(reason)")
    }
}
