/// Where a run shows what it does: one line per step start, end and rollback action, and a note now and then.
/// The CLI renders them on stderr (on a terminal with the running step's time updated in place).
public protocol RunObserver: Sendable {
    /// A progress line (`[ 3/7] unmount /data (/dev/nvme0n2, ext4) done in 0.21 s`) or a note.
    func show(_ line: String)
    /// Ends an open line, before an error message.
    func finish()
}

/// An observer that shows nothing.
public struct SilentRunObserver: RunObserver {
    public init() {}
    public func show(_ line: String) {}
    public func finish() {}
}
