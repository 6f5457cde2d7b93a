/// Who hears of a saved or failed dump: SUSE's e-mail settings (KDUMP_SMTP_SERVER, KDUMP_SMTP_USER,
/// KDUMP_SMTP_PASSWORD, KDUMP_NOTIFICATION_TO, KDUMP_NOTIFICATION_CC) and the post-save hook KDUMP_POSTSCRIPT.
///
/// The SMTP password is never rendered: `description` and the JSON encoding say only whether one is set;
/// `transportPassword()` hands it to the mailer.
public struct DumpNotification: Sendable, Equatable, Codable, CustomStringConvertible {
    /// The SMTP server and port (KDUMP_SMTP_SERVER `host[:port]`); nil: no mail.
    public var smtpHost: String?
    public var smtpPort: Int?
    /// KDUMP_SMTP_USER: SMTP AUTH when a password is set too.
    public var smtpUser: String?
    /// KDUMP_NOTIFICATION_TO (one address) and KDUMP_NOTIFICATION_CC (blank-separated).
    public var to: [String]
    public var cc: [String]
    /// KDUMP_POSTSCRIPT: run after the dump is saved (or failed), before the reboot.
    public var postScript: String?
    private var smtpPassword: String?

    public init(smtpHost: String? = nil, smtpPort: Int? = nil, smtpUser: String? = nil, smtpPassword: String? = nil,
                to: [String] = [], cc: [String] = [], postScript: String? = nil) {
        self.smtpHost = smtpHost
        self.smtpPort = smtpPort
        self.smtpUser = smtpUser
        self.smtpPassword = smtpPassword
        self.to = to
        self.cc = cc
        self.postScript = postScript
    }

    /// Whether a mail is sent (a server and a recipient, as SUSE's kdump requires).
    public var sendsMail: Bool { smtpHost != nil && !to.isEmpty }
    /// Whether anything happens after the save.
    public var isEmpty: Bool { !sendsMail && postScript == nil }
    /// Whether a password is set.
    public var hasPassword: Bool { smtpPassword != nil }
    /// The SMTP password, for the mailer only.
    public func transportPassword() -> String? { smtpPassword }

    /// One line: `mail to a@b (cc c@d) via smtp.example.com:25 as user (password ***); then /usr/bin/hook`.
    public var description: String {
        var parts: [String] = []
        if sendsMail, let smtpHost {
            var mail = "mail to \(to.joined(separator: ", "))"
            if !cc.isEmpty { mail += " (cc \(cc.joined(separator: ", ")))" }
            mail += " via \(smtpHost.contains(":") ? "[\(smtpHost)]" : smtpHost)" + (smtpPort.map { ":\($0)" } ?? "")
            if let smtpUser { mail += " as \(smtpUser)" + (smtpPassword != nil ? " (password ***)" : "") }
            parts.append(mail)
        } else if smtpHost != nil || !to.isEmpty {
            parts.append("no mail (KDUMP_SMTP_SERVER and KDUMP_NOTIFICATION_TO are both needed)")
        }
        if let postScript { parts.append("then runs \(postScript)") }
        return parts.isEmpty ? "nobody" : parts.joined(separator: "; ")
    }

    private enum CodingKeys: String, CodingKey {
        case smtpHost, smtpPort, smtpUser, passwordSet, to, cc, postScript, summary
    }

    /// The fields and `passwordSet`; never the password.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encodeIfPresent(smtpHost, forKey: .smtpHost)
        try container.encodeIfPresent(smtpPort, forKey: .smtpPort)
        try container.encodeIfPresent(smtpUser, forKey: .smtpUser)
        try container.encode(smtpPassword != nil, forKey: .passwordSet)
        try container.encode(to, forKey: .to)
        try container.encode(cc, forKey: .cc)
        try container.encodeIfPresent(postScript, forKey: .postScript)
        try container.encode(description, forKey: .summary)
    }

    /// Decodes what `encode` wrote, without a password.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        smtpHost = try container.decodeIfPresent(String.self, forKey: .smtpHost)
        smtpPort = try container.decodeIfPresent(Int.self, forKey: .smtpPort)
        smtpUser = try container.decodeIfPresent(String.self, forKey: .smtpUser)
        to = try container.decodeIfPresent([String].self, forKey: .to) ?? []
        cc = try container.decodeIfPresent([String].self, forKey: .cc) ?? []
        postScript = try container.decodeIfPresent(String.self, forKey: .postScript)
        smtpPassword = nil
    }
}
