import LinuxSystem
/// Stable MESSAGE_IDs of kreboot's journal records, one per outcome, so `journalctl MESSAGE_ID=…` finds them.
/// Generated once (random 128-bit ids); never change them.
public enum JournalMessageID: String, Sendable, CaseIterable, Codable {
    /// A plan was made (dry run or before a real run).
    case planned = "9c3c658e39b4401eb1d456ab034b3dd9"
    /// The kernel (or capture kernel) was loaded.
    case loaded = "d197323f956e44019043f03e0bb3182f"
    /// One step of a plan finished (or failed); STEP= and DURATION_USEC= say which and how long.
    case step = "137bc0c56bb64fa2a5d2e9b27051e32b"
    /// Services were isolated and file systems unmounted or made read-only.
    case quiesced = "0bcacef89eab4f92a0364b8766963a01"
    /// The exec into the new kernel is about to happen.
    case executed = "e406d64afa5743cbb11b0edbcd3dce89"
    /// A failure was rolled back.
    case rolledBack = "234d670dcac44ef38c62f005985b3aba"
    /// A kdump test crashed the kernel on purpose; the result is pending until the dump is checked.
    case kdumpTestPending = "bc2e09723d104d8a86bcbab051206d05"
    /// A kdump test produced a dump.
    case kdumpTestSucceeded = "7a9a411dc1864cfe857f56d09e537f0b"
    /// A kdump test did not produce a dump.
    case kdumpTestFailed = "39de4c268ab74f6ba2b4db9a51ccf619"
}
