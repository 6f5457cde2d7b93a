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
