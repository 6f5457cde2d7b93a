extension DumpNotification {
    /// Reads SUSE's notification settings from a configuration's `variables` strictly: the server as
    /// `host[:port]` (IPv6 in brackets), addresses as `local@domain` without names or blanks, the post script
    /// an absolute path (with arguments). Empty values count as unset. A bad value is a `KdumpConfigError`.
    public static func parse(variables: [String: String], file: String) throws(KdumpConfigError) -> DumpNotification {
        func value(_ name: String) -> String? { variables[name].flatMap { $0.isEmpty ? nil : $0 } }
        var notification = DumpNotification()
        var password: String?
        if let server = value("KDUMP_SMTP_SERVER") {
            let fail = { (reason: String) in KdumpConfigError(file: file, option: "KDUMP_SMTP_SERVER", reason: reason) }
            try DumpTargetParser.checkCharacters(server, fail)
            let (host, port) = try DumpTargetParser.hostAndPort(server, fail)
            notification.smtpHost = host
            notification.smtpPort = port
        }
        if let user = value("KDUMP_SMTP_USER") {
            try DumpTargetParser.checkCharacters(user) { KdumpConfigError(file: file, option: "KDUMP_SMTP_USER", reason: $0) }
            notification.smtpUser = user
        }
        if value("KDUMP_SMTP_PASSWORD") != nil {
            guard notification.smtpUser != nil else {
                throw KdumpConfigError(file: file, option: "KDUMP_SMTP_PASSWORD", reason: "set without KDUMP_SMTP_USER")
            }
            password = value("KDUMP_SMTP_PASSWORD")
        }
        if let to = value("KDUMP_NOTIFICATION_TO") {
            notification.to = try addresses(to, option: "KDUMP_NOTIFICATION_TO", file: file)
            if notification.to.count > 1 {
                throw KdumpConfigError(file: file, option: "KDUMP_NOTIFICATION_TO", reason: "one address only (more go into KDUMP_NOTIFICATION_CC)")
            }
        }
        if let cc = value("KDUMP_NOTIFICATION_CC") {
            notification.cc = try addresses(cc, option: "KDUMP_NOTIFICATION_CC", file: file)
        }
        if (notification.smtpHost == nil) != notification.to.isEmpty {
            let missing = notification.smtpHost == nil ? "KDUMP_SMTP_SERVER" : "KDUMP_NOTIFICATION_TO"
            let option = notification.smtpHost == nil ? "KDUMP_NOTIFICATION_TO" : "KDUMP_SMTP_SERVER"
            throw KdumpConfigError(file: file, option: option, reason: "set without \(missing): no mail could be sent")
        }
        if let script = value("KDUMP_POSTSCRIPT") {
            guard script.hasPrefix("/") else {
                throw KdumpConfigError(file: file, option: "KDUMP_POSTSCRIPT", reason: "the program is not an absolute path")
            }
            notification.postScript = script
        }
        return DumpNotification(smtpHost: notification.smtpHost, smtpPort: notification.smtpPort, smtpUser: notification.smtpUser,
                                smtpPassword: password, to: notification.to, cc: notification.cc, postScript: notification.postScript)
    }

    /// Blank-separated bare addresses (`user@example.com`).
    static func addresses(_ text: String, option: String, file: String) throws(KdumpConfigError) -> [String] {
        let list = text.split(whereSeparator: { $0 == " " || $0 == "\t" }).map(String.init)
        for address in list {
            let parts = address.split(separator: "@", omittingEmptySubsequences: false)
            let valid = parts.count == 2 && !parts[0].isEmpty && !parts[1].isEmpty && !parts[1].hasPrefix(".")
                && !address.contains(where: { "<>,;\"()[]\\".contains($0) || $0.unicodeScalars.contains { $0.value < 0x20 } })
            guard valid else {
                throw KdumpConfigError(file: file, option: option, reason: "\"\(address.prefix(64))\" is not a bare e-mail address (user@domain)")
            }
        }
        return list
    }
}
