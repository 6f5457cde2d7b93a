import RebootPlan
import Quiesce
import KexecCore
import LinuxSystem
/// What a run has changed so far, so a rollback undoes exactly that.
struct UndoLog {
    /// Kernels kreboot loaded, in order: false for the exec kernel, true for a capture kernel.
    var loaded: [Bool] = []
    /// The target to isolate again on rollback, read before the first isolate; nil while nothing was isolated.
    var defaultTarget: String?
    /// Whether an isolate was started (even one that failed may have stopped units).
    var isolated = false
    /// Mount points unmounted, in order (systemd mounts them again when the default target is isolated).
    var unmounted: [String] = []
    /// Mount points made read-only, in order (remounted read-write in reverse order).
    var madeReadOnly: [String] = []
    /// Whether journald was asked to leave /var.
    var journalRelinquished = false
    /// The grubenv whose next_entry was cleared, and the value to put back.
    var clearedNextEntry: ClearedNextEntry?
}
