import RebootPlan
import Quiesce
import KexecCore
import LinuxSystem
/// What clearing grub-reboot's `next_entry` replaced, to put back on rollback.
public struct ClearedNextEntry: Sendable, Equatable {
    /// The grubenv file.
    public var file: String
    /// The one-time entry it named.
    public var value: String
}
