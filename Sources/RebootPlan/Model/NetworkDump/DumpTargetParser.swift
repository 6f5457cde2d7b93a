/// Parses a dump target strictly: KDUMP_SAVEDIR's URLs and absolute paths, and the `host:/path` and
/// `user@host` spellings of Debian's kdump-tools and Red Hat's kdump.conf.
///
/// Refused, each with a one-line `KdumpConfigError` naming the option and the file — and quoting no part of
/// the value but the scheme, so a password (even one with an unencoded `/` that splits the URL) never shows:
/// an unknown scheme, an empty host, a port outside 1–65535, a query or fragment, a bad `%` escape, blanks or
/// control characters, a `..` component, a relative path, a user or password where the protocol takes none,
/// a remote target without a directory. User and password are percent-decoded; an IPv6 literal goes in
/// brackets. `smb://` is SUSE's other name for `cifs://`, `ssh://` and `scp://` (kdump(5): "an alias for sftp") for `sftp://`.
public enum DumpTargetParser {
    /// The schemes and their aliases.
    static let schemes: [String: DumpTarget.Scheme] = [
        "file": .file, "nfs": .nfs, "cifs": .cifs, "smb": .cifs, "sftp": .sftp, "ssh": .sftp, "scp": .sftp,
        "ftp": .ftp,
    ]

    /// A KDUMP_SAVEDIR value (or Debian's KDUMP_COREDIR, Red Hat's local `path`): `/dir` or `scheme://…`.
    public static func parse(_ value: String, option: String, file: String, sshKey: String? = nil) throws(KdumpConfigError) -> DumpTarget {
        let fail = { (reason: String) in KdumpConfigError(file: file, option: option, reason: reason) }
        try checkCharacters(value, fail)
        if value.hasPrefix("/") { return .local(try localDirectory(value, fail), option: option) }
        guard let separator = value.firstRange(of: "://") else {
            throw fail("not an absolute path nor a URL (file:///dir, nfs://, cifs://, sftp://, ftp://)")
        }
        let name = value[..<separator.lowerBound].lowercased()
        guard let scheme = schemes[name] else {
            throw fail("unknown protocol \"\(name.prefix(16))\" (known: file, nfs, cifs or smb, sftp, ssh or scp, ftp)")
        }
        let rest = value[separator.upperBound...]
        if rest.contains("?") || rest.contains("#") { throw fail("a query (?) or fragment (#) is not allowed; write ? and # in a password as %3F and %23") }
        let slash = rest.firstIndex(of: "/") ?? rest.endIndex
        let authority = rest[..<slash]
        let rawPath = String(rest[slash...])

        if scheme == .file {
            guard authority.isEmpty || authority == "localhost" else { throw fail("file:// takes no host (file:///dir)") }
            guard !rawPath.isEmpty else { throw fail("file:// names no directory") }
            return .local(try localDirectory(try decoded(rawPath, what: "path", fail), fail), option: option)
        }

        var user: String?
        var password: String?
        var hostPort = authority
        if let at = authority.lastIndex(of: "@") {
            let userInfo = authority[..<at]
            hostPort = authority[authority.index(after: at)...]
            if userInfo.contains("@") { throw fail("an @ in the user or password must be written %40") }
            if let colon = userInfo.firstIndex(of: ":") {
                user = try decoded(String(userInfo[..<colon]), what: "user", fail)
                password = try decoded(String(userInfo[userInfo.index(after: colon)...]), what: "password", fail)
                if password?.isEmpty == true { throw fail("empty password (leave out the ':' for none)") }
            } else {
                user = try decoded(String(userInfo), what: "user", fail)
            }
            if user?.isEmpty == true { throw fail("empty user name before @") }
        }
        let (host, port) = try hostAndPort(String(hostPort), fail)
        let path = try directory(try decoded(rawPath, what: "path", fail), remote: true, fail)

        switch scheme {
        case .nfs where user != nil: throw fail("nfs:// takes no user or password")
        case .sftp where password != nil:
            throw fail("sftp:// authenticates with a key (KDUMP_SSH_IDENTITY), not a password in the URL")
        case .cifs where path.split(separator: "/").isEmpty: throw fail("cifs:// names no share (cifs://host/share/dir)")
        default: break
        }
        return DumpTarget(scheme: scheme, host: host, port: port, user: user, password: password, path: path,
                          sshKey: scheme == .sftp ? sshKey : nil, option: option)
    }

    /// Debian's `NFS="host:/path"` and Red Hat's `nfs host:/export` (IPv6: `[addr]:/path`).
    public static func parseHostPath(_ value: String, option: String, file: String) throws(KdumpConfigError) -> (host: String, path: String) {
        let fail = { (reason: String) in KdumpConfigError(file: file, option: option, reason: reason) }
        try checkCharacters(value, fail)
        let host: String
        let rest: Substring
        if value.hasPrefix("["), let close = value.firstIndex(of: "]") {
            host = String(value[value.index(after: value.startIndex)..<close])
            rest = value[value.index(after: close)...]
        } else if let colon = value.firstIndex(of: ":") {
            host = String(value[..<colon])
            rest = value[colon...]
        } else {
            throw fail("not HOST:/PATH")
        }
        guard rest.hasPrefix(":/") else { throw fail("not HOST:/PATH") }
        try checkHost(host, fail)
        return (host, try directory(String(rest.dropFirst()), remote: true, fail))
    }

    /// Debian's `SSH="user@host"` and Red Hat's `ssh user@host` (IPv6 bare or in brackets).
    public static func parseUserHost(_ value: String, option: String, file: String) throws(KdumpConfigError) -> (user: String?, host: String) {
        let fail = { (reason: String) in KdumpConfigError(file: file, option: option, reason: reason) }
        try checkCharacters(value, fail)
        var user: String?
        var host = Substring(value)
        if let at = value.lastIndex(of: "@") {
            user = String(value[..<at])
            host = value[value.index(after: at)...]
            if user!.isEmpty || user!.contains("@") || user!.contains(":") { throw fail("not USER@HOST") }
        }
        var name = String(host)
        if name.hasPrefix("["), name.hasSuffix("]") {
            name = String(name.dropFirst().dropLast())
        } else if name.split(separator: ":", omittingEmptySubsequences: false).count == 2 {
            throw fail("HOST:PORT is not taken here: name the host alone (another port goes in ssh's configuration)")
        }
        try checkHost(name, fail)
        return (user, name)
    }

    /// Refuses blanks and control characters (a value the shell would split, or a line break smuggled in).
    static func checkCharacters(_ value: String, _ fail: (String) -> KdumpConfigError) throws(KdumpConfigError) {
        if value.isEmpty { throw fail("empty value") }
        if value.unicodeScalars.contains(where: { $0.value <= 0x20 || $0.value == 0x7f }) {
            throw fail("contains a blank or control character")
        }
    }

    /// `host`, `host:port`, `[v6]`, `[v6]:port`.
    static func hostAndPort(_ text: String, _ fail: (String) -> KdumpConfigError) throws(KdumpConfigError) -> (String, Int?) {
        var host = text
        var portText: String?
        if text.hasPrefix("[") {
            guard let close = text.firstIndex(of: "]") else { throw fail("unclosed [ in the host") }
            host = String(text[text.index(after: text.startIndex)..<close])
            let after = text[text.index(after: close)...]
            if !after.isEmpty {
                guard after.hasPrefix(":") else { throw fail("unexpected text after the IPv6 address") }
                portText = String(after.dropFirst())
            }
            guard host.contains(":") else { throw fail("brackets are for IPv6 addresses") }
        } else if let colon = text.firstIndex(of: ":") {
            host = String(text[..<colon])
            portText = String(text[text.index(after: colon)...])
            if portText!.contains(":") { throw fail("an IPv6 address must be written in brackets ([2001:db8::1])") }
        }
        try checkHost(host, fail)
        guard let portText else { return (host, nil) }
        guard !portText.isEmpty, portText.count <= 5, portText.allSatisfy({ $0.isASCII && $0.isNumber }),
              let port = Int(portText), (1...65535).contains(port) else {
            // Not quoted: with an unencoded / in a password, what looks like the port is part of it.
            throw fail("the port is not a number from 1 to 65535")
        }
        return (host, port)
    }

    /// A host name (letters, digits, `-`, `_`, `.`) or an IPv6 literal (hex digits, `:`, `.`).
    static func checkHost(_ host: String, _ fail: (String) -> KdumpConfigError) throws(KdumpConfigError) {
        guard !host.isEmpty else { throw fail("no host") }
        guard host.utf8.count <= 253 else { throw fail("host name longer than 253 characters") }
        if host.contains(":") {
            guard host.allSatisfy({ $0.isHexDigit || $0 == ":" || $0 == "." }), host.contains("::") || host.split(separator: ":", omittingEmptySubsequences: false).count >= 3 else {
                throw fail("the host is not an IPv6 address")
            }
            return
        }
        let allowed = host.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-" || $0 == "_" || $0 == ".") }
        guard allowed, !host.hasPrefix("."), !host.hasPrefix("-"), !host.contains("..") else {
            throw fail("the host is not a host name or address (letters, digits, -, _, .)")
        }
    }

    /// A local directory as written (the save-dump of local paths is unchanged): absolute, no control characters.
    static func localDirectory(_ path: String, _ fail: (String) -> KdumpConfigError) throws(KdumpConfigError) -> String {
        guard path.hasPrefix("/") else { throw fail("the directory is not absolute") }
        return path
    }

    /// An absolute directory without `..` components; a trailing `/` is dropped. Remote ones must name one.
    static func directory(_ path: String, remote: Bool, _ fail: (String) -> KdumpConfigError) throws(KdumpConfigError) -> String {
        guard path.hasPrefix("/") else { throw fail(remote ? "names no directory (…://host/dir)" : "the directory is not absolute") }
        let components = path.split(separator: "/", omittingEmptySubsequences: true)
        if components.contains("..") { throw fail("the directory contains a .. component") }
        if remote && components.isEmpty { throw fail("names no directory (…://host/dir)") }
        if path.unicodeScalars.contains(where: { $0.value < 0x20 || $0.value == 0x7f }) { throw fail("the directory contains a control character") }
        return "/" + components.joined(separator: "/")
    }

    /// Percent-decoding (`%40` → `@`); a bad escape, invalid UTF-8 or a control character is refused.
    static func decoded(_ text: String, what: String, _ fail: (String) -> KdumpConfigError) throws(KdumpConfigError) -> String {
        var bytes: [UInt8] = []
        var iterator = Array(text.utf8).makeIterator()
        while let byte = iterator.next() {
            guard byte == UInt8(ascii: "%") else { bytes.append(byte); continue }
            guard let high = iterator.next().flatMap(hexValue), let low = iterator.next().flatMap(hexValue) else {
                throw fail("bad % escape in the \(what) (write a % as %25)")
            }
            bytes.append(high << 4 | low)
        }
        guard let result = String(validating: bytes, as: UTF8.self) else { throw fail("the \(what) is not UTF-8 after % decoding") }
        if result.unicodeScalars.contains(where: { $0.value < 0x20 || $0.value == 0x7f }) {
            throw fail("the \(what) contains a control character after % decoding")
        }
        return result
    }

    private static func hexValue(_ byte: UInt8) -> UInt8? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): byte - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): byte - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): byte - UInt8(ascii: "A") + 10
        default: nil
        }
    }

    /// `text` with everything but RFC 3986's unreserved characters percent-encoded (for a user in a URL).
    public static func percentEncoded(_ text: String) -> String {
        var out = ""
        for byte in text.utf8 {
            let c = Character(Unicode.Scalar(byte))
            if byte < 0x80 && (c.isLetter || c.isNumber || c == "-" || c == "." || c == "_" || c == "~") {
                out.append(c)
            } else {
                out += "%" + String(byte, radix: 16, uppercase: true).leftPadded()
            }
        }
        return out
    }
}

private extension String {
    func leftPadded() -> String { count == 1 ? "0" + self : self }
}
