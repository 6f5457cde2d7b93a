/// Where a capture boot sends the dump, the network it needs for that, and who hears of it: the target
/// (`DumpTarget`), KDUMP_NETCONFIG (`CaptureNetwork`) and the notifications (`DumpNotification`), read
/// strictly from a `KdumpConfig` by `DumpDelivery.read`, the one place that understands each
/// distribution's spelling of a remote target:
///
/// - SUSE: KDUMP_SAVEDIR as a URL, KDUMP_SSH_IDENTITY for sftp's key.
/// - Debian (kdump-tools): `SSH="user@host"` with `SSH_KEY` (the remote directory is KDUMP_COREDIR), or
///   `NFS="host:/path"` with `NFS_TIMEO` and `NFS_RETRANS`.
/// - Red Hat (kdump.conf): `ssh user@host` with `sshkey`, or `nfs host:/export`; `path` is the directory
///   on the server (below the export for NFS).
///
/// Encoded into the plan's JSON with every password masked.
public struct DumpDelivery: Sendable, Equatable, Codable {
    public var target: DumpTarget
    /// The network of the capture boot; `mode == .none` when nothing needs it.
    public var network: CaptureNetwork
    public var notification: DumpNotification

    public init(target: DumpTarget, network: CaptureNetwork, notification: DumpNotification) {
        self.target = target
        self.network = network
        self.notification = notification
    }

    /// Whether the capture boot brings up the network: a remote target, a mail to send, or `:force` — unless
    /// KDUMP_NETCONFIG is empty/none.
    public var needsNetwork: Bool {
        network.mode != .none && (target.isRemote || notification.sendsMail || network.force)
    }

    /// One line for the plan: the target, the network and who is told.
    public var summary: String {
        let net = needsNetwork ? "network: \(network.summary)" : "no network"
        return "dump to \(target); \(net); notifies \(notification)"
    }

    /// The delivery `config` describes; the first malformed value is the error.
    public static func read(_ config: KdumpConfig) throws(KdumpConfigError) -> DumpDelivery {
        let variables = config.variables
        func value(_ name: String) -> String? { variables[name].flatMap { $0.isEmpty ? nil : $0 } }
        let file = config.file
        if let error = config.syntaxError ?? config.targetError { throw error }
        let target: DumpTarget
        if let ssh = value("ssh") {
            let (user, host) = try DumpTargetParser.parseUserHost(ssh, option: "ssh", file: file)
            let dir = try DumpTargetParser.directory(value("path") ?? "/var/crash", remote: true) {
                KdumpConfigError(file: file, option: "path", reason: $0)
            }
            target = DumpTarget(scheme: .sftp, host: host, user: user, path: dir,
                                sshKey: try keyPath(value("sshkey") ?? "/root/.ssh/kdump_id_rsa", option: "sshkey", file: file), option: "ssh")
        } else if let nfs = value("nfs") {
            let (host, export) = try DumpTargetParser.parseHostPath(nfs, option: "nfs", file: file)
            let below = try DumpTargetParser.directory(value("path") ?? "/var/crash", remote: true) {
                KdumpConfigError(file: file, option: "path", reason: $0)
            }
            target = DumpTarget(scheme: .nfs, host: host, path: export == "/" ? below : export + below, option: "nfs")
        } else if let ssh = value("SSH") {
            let (user, host) = try DumpTargetParser.parseUserHost(ssh, option: "SSH", file: file)
            let dir = try DumpTargetParser.directory(value("KDUMP_COREDIR") ?? "/var/crash", remote: true) {
                KdumpConfigError(file: file, option: "KDUMP_COREDIR", reason: $0)
            }
            target = DumpTarget(scheme: .sftp, host: host, user: user, path: dir,
                                sshKey: try keyPath(value("SSH_KEY") ?? "/root/.ssh/kdump_id_rsa", option: "SSH_KEY", file: file), option: "SSH")
        } else if let nfs = value("NFS") {
            let (host, export) = try DumpTargetParser.parseHostPath(nfs, option: "NFS", file: file)
            var options: [String] = []
            for (name, key) in [("NFS_TIMEO", "timeo"), ("NFS_RETRANS", "retrans")] {
                guard let text = value(name) else { continue }
                guard text.allSatisfy({ $0.isASCII && $0.isNumber }), let n = Int(text), n > 0, n <= 100_000 else {
                    throw KdumpConfigError(file: file, option: name, reason: "\"\(text.prefix(16))\" is not a positive number")
                }
                options.append("\(key)=\(n)")
            }
            target = DumpTarget(scheme: .nfs, host: host, path: export, mountOptions: options, option: "NFS")
        } else if let dir = config.saveDir {
            let option = value("KDUMP_SAVEDIR") == nil && value("KDUMP_COREDIR") != nil ? "KDUMP_COREDIR"
                : value("KDUMP_SAVEDIR") == nil && value("path") != nil ? "path" : "KDUMP_SAVEDIR"
            var key: String?
            if let identity = value("KDUMP_SSH_IDENTITY") { key = try keyPath(identity, option: "KDUMP_SSH_IDENTITY", file: file) }
            target = try DumpTargetParser.parse(dir, option: option, file: file, sshKey: key)
        } else {
            target = .local("/var/crash")
        }
        // Red Hat's kdump.conf has no KDUMP_NETCONFIG: its network follows the target (as dracut's does).
        let network = try CaptureNetwork.parse(variables["KDUMP_NETCONFIG"] ?? "auto", timeout: value("KDUMP_NET_TIMEOUT"), file: file)
        let notification = try DumpNotification.parse(variables: variables, file: file)
        return DumpDelivery(target: target, network: network, notification: notification)
    }

    /// An SSH key path must be absolute (it is read in the capture boot, where there is no working directory).
    static func keyPath(_ path: String, option: String, file: String) throws(KdumpConfigError) -> String {
        guard path.hasPrefix("/"), !path.unicodeScalars.contains(where: { $0.value <= 0x20 }) else {
            throw KdumpConfigError(file: file, option: option, reason: "the key is not an absolute path")
        }
        return path
    }
}
