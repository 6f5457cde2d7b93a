/// The e-mail a capture boot sends after a dump (SUSE kdump's notification) as RFC 5322 text: From, To, Cc,
/// Subject, Date and the body, lines ended by CRLF. Pure: the facts in, the text out. A header value never
/// starts a new header or line (control characters become blanks), so a recipient or a subject cannot add a
/// header; dot-stuffing the body is libcurl's part of SMTP.
public struct DumpMailMessage: Sendable, Equatable {
    public var from: String
    public var to: [String]
    public var cc: [String]
    public var subject: String
    /// When, as the Date header gives it.
    public var date: String
    /// The body, lines separated by LF (CRLF, CR and the other line breaks count as one too).
    public var body: String

    public init(from: String, to: [String], cc: [String], subject: String, date: String, body: String) {
        self.from = from
        self.to = to
        self.cc = cc
        self.subject = subject
        self.date = date
        self.body = body
    }

    /// Everyone the mail goes to (the SMTP envelope): `to` then `cc`.
    public var recipients: [String] { to + cc }

    /// The message: headers, a blank line, the body; every line ends in CRLF.
    public var text: String {
        var lines = ["From: \(Self.oneLine(from))", "To: \(to.map(Self.oneLine).joined(separator: ", "))"]
        if !cc.isEmpty { lines.append("Cc: \(cc.map(Self.oneLine).joined(separator: ", "))") }
        lines += ["Subject: \(Self.oneLine(subject))", "Date: \(Self.oneLine(date))", "MIME-Version: 1.0",
                  "Content-Type: text/plain; charset=utf-8", "Content-Transfer-Encoding: 8bit", "Auto-Submitted: auto-generated", ""]
        var bodyLines = body.split(omittingEmptySubsequences: false, whereSeparator: \.isNewline).map { Self.oneLine(String($0)) }
        if bodyLines.last == "" { bodyLines.removeLast() }
        return (lines + bodyLines).joined(separator: "\r\n") + "\r\n"
    }

    /// `text` with CR, LF and the other control characters (and the Unicode line separators) as blanks.
    static func oneLine(_ text: String) -> String {
        var line = String.UnicodeScalarView()
        for scalar in text.unicodeScalars {
            line.append(scalar.properties.generalCategory == .control || scalar == "\u{2028}" || scalar == "\u{2029}" ? " " : scalar)
        }
        return String(line)
    }

    /// `Sun, 30 Nov 2025 10:00:00 +0000` for `seconds` since the epoch (the Date header, RFC 5322).
    public static func rfc5322Date(_ seconds: Int64) -> String {
        let days = seconds >= 0 ? seconds / 86_400 : (seconds - 86_399) / 86_400
        let secondOfDay = seconds - days * 86_400
        let weekday = ["Thu", "Fri", "Sat", "Sun", "Mon", "Tue", "Wed"][Int(((days % 7) + 7) % 7)]
        // The civil date from days since 1970-01-01 (Howard Hinnant's algorithm).
        let z = days + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let doe = z - era * 146_097
        let yoe = (doe - doe / 1_460 + doe / 36_524 - doe / 146_096) / 365
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let day = doy - (153 * mp + 2) / 5 + 1
        let month = mp < 10 ? mp + 3 : mp - 9
        let year = yoe + era * 400 + (month <= 2 ? 1 : 0)
        let months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
        func two(_ n: Int64) -> String { n < 10 ? "0\(n)" : "\(n)" }
        return "\(weekday), \(day) \(months[Int(month) - 1]) \(year) \(two(secondOfDay / 3600)):\(two(secondOfDay % 3600 / 60)):\(two(secondOfDay % 60)) +0000"
    }
}
