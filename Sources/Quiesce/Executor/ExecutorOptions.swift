/// How the executor may bend its rules.
public struct ExecutorOptions: Sendable, Equatable {
    /// `--force`: exec (or panic) even when a local file system is still mounted read-write.
    public var force: Bool
    /// Ask journald to move to /run before `/` is remounted read-only (its persistent journal keeps `/` busy).
    public var relinquishJournal: Bool
    /// How a remount read-only that finds the file system busy is tried again before the step fails.
    public var busyRetry: BusyRetry

    public init(force: Bool = false, relinquishJournal: Bool = true, busyRetry: BusyRetry = .standard) {
        self.force = force
        self.relinquishJournal = relinquishJournal
        self.busyRetry = busyRetry
    }
}

/// Retries of a remount read-only refused with EBUSY. A process that is exiting as the isolate completes
/// (a service's last write, a utmp record) can hold a file open for a moment; systemd's own shutdown loops
/// over its remounts for the same reason. A writer that stays is still reported, `attempts × interval` later.
public struct BusyRetry: Sendable, Equatable {
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
