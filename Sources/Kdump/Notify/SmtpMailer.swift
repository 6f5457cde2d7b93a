import FoundationEssentials
import KexecCore
import LinuxSystem
import RebootPlan

/// The line conversation an SMTP client needs; `TCPLineConnection` in the capture boot, a script in tests.
public protocol SmtpChannel: AnyObject {
    func send(_ line: String) throws(TCPLineError)
    func readLine() throws(TCPLineError) -> String
    func close()
}

extension TCPLineConnection: SmtpChannel {}

/// Sends one mail over SMTP (RFC 5321), as SUSE's kdump does after a dump: EHLO, AUTH PLAIN when
/// KDUMP_SMTP_USER and KDUMP_SMTP_PASSWORD are set, MAIL FROM, RCPT TO for KDUMP_NOTIFICATION_TO and each
/// KDUMP_NOTIFICATION_CC, DATA (dot-stuffed), QUIT. No TLS: the capture boot talks to a relay on its own
/// network. The password goes only into the AUTH line (base64), never into an error or a log line: a failure
/// names the step and the server's reply, and the AUTH step's reply only.
public struct SmtpMailer {
    public var notification: DumpNotification
    /// The sender: `root@HOST` as SUSE's kdump.
    public var from: String
    public var helloName: String

    public init(notification: DumpNotification, from: String, helloName: String) {
        self.notification = notification
        self.from = from
        self.helloName = helloName
    }

    /// The message with its headers: From, To, Cc, Subject, Date; CRLF line ends are added by the channel.
    public func message(subject: String, body: String, date: String) -> [String] {
        var lines = ["From: \(from)", "To: \(notification.to.joined(separator: ", "))"]
        if !notification.cc.isEmpty { lines.append("Cc: \(notification.cc.joined(separator: ", "))") }
        lines += ["Subject: \(subject)", "Date: \(date)", "MIME-Version: 1.0", "Content-Type: text/plain; charset=utf-8", ""]
        lines += body.split(separator: "\n", omittingEmptySubsequences: false).map { $0.hasPrefix(".") ? "." + $0 : String($0) }
        return lines
    }

    /// Talks SMTP over `channel`; `.unavailable` naming the step and the server's reply when it fails.
    public func send(subject: String, body: String, date: String, over channel: SmtpChannel) throws(KexecError) {
        defer { channel.close() }
        func reply(_ step: String, expecting code: String) throws(KexecError) {
            var line: String
            repeat {
                do { line = try channel.readLine() } catch { throw failure(step, error.reason) }
            } while line.count > 3 && line[line.index(line.startIndex, offsetBy: 3)] == "-"
            guard line.hasPrefix(code) else { throw failure(step, "the server answered \"\(line.prefix(200))\"") }
        }
        func say(_ line: String, _ step: String) throws(KexecError) {
            do { try channel.send(line) } catch { throw failure(step, error.reason) }
        }
        try reply("greeting", expecting: "220")
        try say("EHLO \(helloName)", "EHLO")
        try reply("EHLO", expecting: "250")
        if let user = notification.smtpUser, let password = notification.transportPassword() {
            let token = Data(([0] + Array(user.utf8) + [0] + Array(password.utf8))).base64EncodedString()
            try say("AUTH PLAIN \(token)", "AUTH")
            try reply("AUTH", expecting: "235")
        }
        try say("MAIL FROM:<\(from)>", "MAIL FROM")
        try reply("MAIL FROM", expecting: "250")
        for rcpt in notification.to + notification.cc {
            try say("RCPT TO:<\(rcpt)>", "RCPT TO \(rcpt)")
            try reply("RCPT TO \(rcpt)", expecting: "250")
        }
        try say("DATA", "DATA")
        try reply("DATA", expecting: "354")
        for line in message(subject: subject, body: body, date: date) { try say(line, "DATA") }
        try say(".", "DATA")
        try reply("end of DATA", expecting: "250")
        try? channel.send("QUIT")
    }

    func failure(_ step: String, _ reason: String) -> KexecError {
        let server = (notification.smtpHost ?? "") + (notification.smtpPort.map { ":\($0)" } ?? "")
        return KexecError(.unavailable, operation: "save-dump", path: server, "mail via \(server): \(step): \(reason)")
    }
}
