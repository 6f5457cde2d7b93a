import RebootPlan
import Quiesce
import KexecCore
import LinuxSystem
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
