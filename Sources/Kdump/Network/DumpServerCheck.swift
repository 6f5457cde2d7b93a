import KexecCore
import LinuxSystem
import RebootPlan

#if canImport(Glibc)
import Glibc
#endif

/// Before a remote save: does the dump server answer on its protocol's TCP port? Tried again until a
/// deadline (the server may still be coming up), so a dead or unreachable server fails the save in bounded
/// time with a reason that names it, instead of hanging in the kernel's NFS or CIFS mount or in ssh.
public struct DumpServerCheck {
    public var target: DumpTarget
    /// How long to keep trying, in seconds (KDUMP_NET_TIMEOUT).
    public var timeoutSeconds: Int
    public var resolve: (String) -> String?
    public var connect: (String, UInt16, Int32) -> TCPConnectProbe.Outcome
    public var log: @Sendable (String) -> Void

    public init(target: DumpTarget, timeoutSeconds: Int, resolve: @escaping (String) -> String? = HostAddress.resolve,
                connect: @escaping (String, UInt16, Int32) -> TCPConnectProbe.Outcome = TCPConnectProbe.connect,
                log: @escaping @Sendable (String) -> Void) {
        self.target = target
        self.timeoutSeconds = timeoutSeconds
        self.resolve = resolve
        self.connect = connect
        self.log = log
    }

    /// The TCP port the target's protocol is served on (the URL's own, else the protocol's well-known one).
    public static func port(of target: DumpTarget) -> UInt16? {
        if let port = target.port { return UInt16(exactly: port) }
        switch target.scheme {
        case .nfs: return 2049
        case .cifs: return 445
        case .sftp: return 22
        case .ftp: return 21
        case .file: return nil
        }
    }

    /// Checks the server; `.unavailable` saying which server and port did not answer, and how long was waited.
    public func run() throws(KexecError) {
        guard let host = target.host, let port = Self.port(of: target) else { return }
        let clock = ContinuousClock()
        let deadline = clock.now + .seconds(timeoutSeconds)
        var last = "no answer"
        while true {
            if let address = resolve(host) {
                let left = max(1, Int32(((deadline - clock.now).components.seconds) * 1000))
                switch connect(address, port, min(left, 5000)) {
                case .connected:
                    log("dump server \(address) port \(port) (\(target.scheme.rawValue)) answers")
                    return
                case .timedOut: last = "no answer"
                case .failed(let reason): last = reason
                case .badAddress: last = "\(address) is not an address"
                }
            } else {
                last = "cannot resolve \(host)"
            }
            if clock.now >= deadline { break }
            _ = usleep(1_000_000)
            if clock.now >= deadline { break }
        }
        throw KexecError(.unavailable, operation: "save-dump", path: target.description,
                         "the dump server \(host) port \(port) (\(target.scheme.rawValue)) did not answer within \(timeoutSeconds) s (KDUMP_NET_TIMEOUT): \(last); the dump is not saved")
    }
}
