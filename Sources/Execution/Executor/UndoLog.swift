import LinuxSystem

/// What a run has changed so far, so a rollback undoes exactly that.
struct UndoLog {
    /// Kernels kreboot loaded, in order: false for the exec kernel, true for a capture kernel.
    var loaded: [Bool] = []
    /// The target to isolate again on rollback, read before the first isolate; nil while nothing was isolated.
    var defaultTarget: String?
    /// Whether an isolate was started (even one that failed may have stopped units).
    var isolated = false
    /// Swap areas turned off, in order (turned on again in reverse order).
    var swapsOff: [String] = []
    /// File systems unmounted, as the mount table described them (mounted again in reverse order).
    var unmounted: [MountEntry] = []
    /// Mount points made read-only, in order (remounted read-write in reverse order).
    var madeReadOnly: [String] = []
    /// Whether journald was asked to leave /var.
    var journalMoved = false
    /// The grubenv whose next_entry was cleared, and the value to put back.
    var clearedNextEntry: ClearedNextEntry?
    /// The EFI variable systemd-boot's one-time entry was deleted from, and its value, to write back.
    var clearedOneShot: (variable: String, value: EfiVariableValue)?
    /// Whether kexec.target was queued (nothing can be undone after that).
    var handedOver = false

    /// Whether anything was stopped or unmounted (a quiesce happened).
    var quiesced: Bool { isolated || !unmounted.isEmpty || !madeReadOnly.isEmpty }
}
