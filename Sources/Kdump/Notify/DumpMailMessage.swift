import FoundationEssentials
import LinuxSystem

/// The e-mail a capture boot sends after a dump was saved or failed (SUSE kdump's notification): who
/// (host), when, which kernel, the panic message, where the dump went and its size, or why it failed — as an
/// RFC 5322 message with CRLF line ends. Pure: the facts in, the text out. Nothing secret goes in (the
/// target is given masked).
public struct DumpMailMessage: Sendable, Equatable {
    /// The machine that crashed.
    public var host: String
    /// When the capture boot wrote the mail, seconds since the epoch (UTC).
    public var time: Int64
    /// The crashed kernel's release, when the dump told it.
    public var release: String?
    /// The panic line from the crashed kernel's log (`Kernel panic - not syncing: …`), when found.
    public var panic: String?
    /// Where the dump is (the target, masked, and the dump's directory), when it was saved.
    public var location: String?
    public var dumpBytes: UInt64?
    /// Why saving failed; nil when it was saved.
    public var failure: String?
    public var from: String
    public var to: [String]
    public var cc: [String]

    public init(host: String, time: Int64, release: String?, panic: String?, location: String?, dumpBytes: UInt64?,
                failure: String?, from: String, to: [String], cc: [String]) {
        self.host = host
        self.time = time
        self.release = release
        self.panic = panic
        self.location = location
        self.dumpBytes = dumpBytes
        self.failure = failure
        self.from = from
        self.to = to
        self.cc = cc
    }

    /// Everyone the mail goes to (the SMTP envelope): `to` then `cc`.
    public var recipients: [String] { to + cc }

    public var subject: String {
        failure == nil ? "kdump: \(host) crashed, dump saved" : "kdump: \(host) crashed, saving the dump FAILED"
    }

    /// The message: headers, a blank line, the body; lines end in CRLF (libcurl dot-stuffs the body for SMTP).
    public var text: String {
        var headers = [
            "From: \(Self.oneLine(from))",
            "To: \(to.map(Self.oneLine).joined(separator: ", "))",
        ]
        if !cc.isEmpty { headers.append("Cc: \(cc.map(Self.oneLine).joined(separator: ", "))") }
        headers += [
            "Subject: \(Self.oneLine(subject))",
            "Date: \(Self.rfc5322Date(time))",
            "MIME-Version: 1.0",
            "Content-Type: text/plain; charset=utf-8",
            "Content-Transfer-Encoding: 8bit",
            "Auto-Submitted: auto-generated",
        ]
        var body = [
            "Host:     \(host)",
            "Time:     \(ISOTimestamp.string(from: Date(timeIntervalSince1970: Double(time))))",
            "Kernel:   \(release ?? "unknown")",
            "Panic:    \(panic ?? "not found in the kernel log")",
        ]
        if let failure {
            body.append("Result:   the dump was NOT saved: \(failure)")
        } else {
            body.append("Result:   dump saved")
            body.append("Dump:     \(location ?? "unknown")")
            if let dumpBytes { body.append("Size:     \(dumpBytes) bytes (\((dumpBytes + 524_288) / 1_048_576) MiB)") }
        }
        body += ["", "-- ", "kreboot save-dump (capture kernel)"]
        return (headers + [""] + body.map(Self.oneLine)).joined(separator: "\r\n") + "\r\n"
    }

    /// `text` with CR and LF (and the other line breaks) replaced: a value never starts a new header or line.
    static func oneLine(_ text: String) -> String {
        var line = String.UnicodeScalarView()
        for scalar in text.unicodeScalars {
            line.append(scalar.properties.generalCategory == .control || scalar == "\u{2028}" || scalar == "\u{2029}" ? " " : scalar)
        }
        return String(line)
    }

    /// `Sun, 29 Nov 2026 10:01:02 +0000`.
    static func rfc5322Date(_ seconds: Int64) -> String {
        let days = seconds >= 0 ? seconds / 86_400 : (seconds - 86_399) / 86_400
        let secondOfDay = seconds - days * 86_400
        let weekday = ["Thu", "Fri", "Sat", "Sun", "Mon", "Tue", "Wed"][Int(((days % 7) + 7) % 7)]
        // Civil date from days since 1970-01-01 (Howard Hinnant's algorithm).
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
