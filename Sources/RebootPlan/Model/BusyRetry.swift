/// Retries of a remount read-only refused with EBUSY. A process that is exiting as the isolate completes
/// (a service's last write, a utmp record) can hold a file open for a moment; systemd's own shutdown loops
/// over its remounts for the same reason. A writer that stays is still reported, `attempts × interval` later.
public struct BusyRetry: Codable, Sendable, Equatable {
    /// Further attempts after the first EBUSY.
    public var attempts: Int
    /// The pause before each further attempt (the file system is synced first).
    public var interval: Duration

    public init(attempts: Int, interval: Duration) {
        self.attempts = attempts
        self.interval = interval
    }

    /// Four more tries, a quarter second apart: at most a second on a mount that is really busy.
    public static let standard = BusyRetry(attempts: 4, interval: .milliseconds(250))
}

extension BusyRetry {
    private enum Key: String, CodingKey { case attempts, interval }

    /// `{"attempts": 4, "interval": 0.25}`: the interval in seconds, as a number.
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: Key.self)
        let seconds = try c.decode(Double.self, forKey: .interval)
        guard seconds.isFinite, seconds >= 0, seconds < 3600 else {
            throw DecodingError.dataCorruptedError(forKey: .interval, in: c, debugDescription: "interval out of range: \(seconds)")
        }
        self.init(attempts: try c.decode(Int.self, forKey: .attempts), interval: .milliseconds(Int64((seconds * 1000).rounded())))
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: Key.self)
        try c.encode(attempts, forKey: .attempts)
        let (seconds, attoseconds) = interval.components
        try c.encode(Double(seconds) + Double(attoseconds) / 1e18, forKey: .interval)
    }
}
