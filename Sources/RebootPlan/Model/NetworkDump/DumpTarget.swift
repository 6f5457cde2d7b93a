/// Where a capture boot saves the dump: a local directory, or a remote one over NFS, CIFS, SFTP or FTP.
///
/// Built by `DumpTargetParser` from KDUMP_SAVEDIR (`file:///dir`, `nfs://host/export/dir`,
/// `cifs://user:password@host/share/dir`, `sftp://user@host[:port]/dir`, `ftp://user:password@host[:port]/dir`)
/// or the other distributions' spellings (Debian's `SSH`/`NFS`, Red Hat's `ssh`/`nfs`).
///
/// The password is kept out of every rendering by construction: `description` and the JSON encoding show
/// `***` in its place (and never the value), and only `transportPassword()` returns it, for the transport.
public struct DumpTarget: Sendable, Equatable, Codable, CustomStringConvertible {
    /// The protocol.
    public enum Scheme: String, Sendable, Codable, CaseIterable {
        case file, nfs, cifs, sftp, ftp
    }

    public var scheme: Scheme
    /// The server (an IPv6 literal without its brackets); nil for `file`.
    public var host: String?
    /// The port when the URL names one.
    public var port: Int?
    /// The user (percent-decoded); nil when the URL names none.
    public var user: String?
    /// The directory: local for `file`, the full remote path otherwise (for `cifs` `/share/dir…`).
    public var path: String
    /// The SSH private key for `sftp` (KDUMP_SSH_IDENTITY, Red Hat's `sshkey`, Debian's `SSH_KEY`); nil: ssh's default.
    public var sshKey: String?
    /// Extra NFS mount options (Debian's NFS_TIMEO/NFS_RETRANS as `timeo=N`, `retrans=N`).
    public var mountOptions: [String]
    /// The option the target came from (`KDUMP_SAVEDIR`, `SSH`, `nfs` …), for messages.
    public var option: String
    /// The password; never encoded, never described.
    private var password: String?

    public init(scheme: Scheme, host: String? = nil, port: Int? = nil, user: String? = nil, password: String? = nil,
                path: String, sshKey: String? = nil, mountOptions: [String] = [], option: String = "KDUMP_SAVEDIR") {
        self.scheme = scheme
        self.host = host
        self.port = port
        self.user = user
        self.password = password
        self.path = path
        self.sshKey = sshKey
        self.mountOptions = mountOptions
        self.option = option
    }

    /// A local directory target (`file://`).
    public static func local(_ path: String, option: String = "KDUMP_SAVEDIR") -> DumpTarget {
        DumpTarget(scheme: .file, path: path, option: option)
    }

    /// Whether a password was given.
    public var hasPassword: Bool { password != nil }

    /// The password, for the transport that authenticates with it (cifs mount data, libcurl); nowhere else.
    public func transportPassword() -> String? { password }

    /// Whether the dump leaves the machine (the capture boot then needs the network).
    public var isRemote: Bool { scheme != .file }

    /// The local directory of a `file` target; nil for the others.
    public var localDirectory: String? { scheme == .file ? path : nil }

    /// `host` as it goes into a URL or a mount source: IPv6 literals in brackets.
    public var hostForURL: String? {
        host.map { $0.contains(":") ? "[\($0)]" : $0 }
    }

    /// The CIFS share (the first component of `path`) and the directory below it.
    public var cifsShareAndDirectory: (share: String, directory: String) {
        let parts = path.split(separator: "/", omittingEmptySubsequences: true)
        return (parts.first.map(String.init) ?? "", "/" + parts.dropFirst().joined(separator: "/"))
    }

    /// The URL with the password as `***`: `ftp://user:***@host:21/dir`.
    public var description: String {
        guard scheme != .file else { return "file://" + path }
        var text = scheme.rawValue + "://"
        if let user {
            text += DumpTargetParser.percentEncoded(user)
            if password != nil { text += ":***" }
            text += "@"
        }
        text += hostForURL ?? ""
        if let port { text += ":\(port)" }
        return text + path
    }

    private enum CodingKeys: String, CodingKey {
        case url, scheme, host, port, user, passwordSet, path, sshKey, mountOptions, option
    }

    /// The masked URL and the fields; `passwordSet` says whether there is a password, never what it is.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(description, forKey: .url)
        try container.encode(scheme, forKey: .scheme)
        try container.encodeIfPresent(host, forKey: .host)
        try container.encodeIfPresent(port, forKey: .port)
        try container.encodeIfPresent(user, forKey: .user)
        try container.encode(password != nil, forKey: .passwordSet)
        try container.encode(path, forKey: .path)
        try container.encodeIfPresent(sshKey, forKey: .sshKey)
        if !mountOptions.isEmpty { try container.encode(mountOptions, forKey: .mountOptions) }
        try container.encode(option, forKey: .option)
    }

    /// Decodes what `encode` wrote; the password is not there, so a decoded target has none.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        scheme = try container.decode(Scheme.self, forKey: .scheme)
        host = try container.decodeIfPresent(String.self, forKey: .host)
        port = try container.decodeIfPresent(Int.self, forKey: .port)
        user = try container.decodeIfPresent(String.self, forKey: .user)
        path = try container.decode(String.self, forKey: .path)
        sshKey = try container.decodeIfPresent(String.self, forKey: .sshKey)
        mountOptions = try container.decodeIfPresent([String].self, forKey: .mountOptions) ?? []
        option = try container.decodeIfPresent(String.self, forKey: .option) ?? "KDUMP_SAVEDIR"
        password = nil
    }

    /// Equal targets have the same fields and the same password.
    public static func == (lhs: DumpTarget, rhs: DumpTarget) -> Bool {
        lhs.scheme == rhs.scheme && lhs.host == rhs.host && lhs.port == rhs.port && lhs.user == rhs.user
            && lhs.password == rhs.password && lhs.path == rhs.path && lhs.sshKey == rhs.sshKey
            && lhs.mountOptions == rhs.mountOptions && lhs.option == rhs.option
    }
}
