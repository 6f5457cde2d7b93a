/// How the executor may bend its rules.
public struct ExecutorOptions: Sendable, Equatable {
    /// `--force`: exec (or panic) even when a local file system is still mounted read-write.
    public var force: Bool
    /// Ask journald to move to /run before `/` is remounted read-only (its persistent journal keeps `/` busy).
    public var relinquishJournal: Bool

    public init(force: Bool = false, relinquishJournal: Bool = true) {
        self.force = force
        self.relinquishJournal = relinquishJournal
    }
}
