import LinuxSystem
/// A logind inhibitor lock (`systemd-inhibit --list`).
public struct Inhibitor: Sendable, Equatable, Codable {
    /// Colon-separated list of what is inhibited: `shutdown`, `sleep`, `idle`, `handle-power-key` …
    public var what: String
    /// Who took it (a human-readable program name).
    public var who: String
    /// Why (one line).
    public var why: String
    /// `block` or `delay`.
    public var mode: String
    public var uid: UInt32
    public var pid: UInt32

    public init(what: String, who: String, why: String, mode: String, uid: UInt32 = 0, pid: UInt32 = 0) {
        self.what = what
        self.who = who
        self.why = why
        self.mode = mode
        self.uid = uid
        self.pid = pid
    }

    /// Whether this lock blocks a shutdown or reboot: mode `block` with `shutdown` among what it inhibits.
    /// `delay` locks only postpone and do not matter to a kexec.
    public var blocksShutdown: Bool {
        mode == "block" && what.split(separator: ":").contains("shutdown")
    }
}
