import RebootPlan
import Quiesce
import KexecCore
import LinuxSystem
/// Sets variables in GRUB's environment block (grubenv), as `grub-editenv FILE set NAME=VALUE` does.
public protocol GrubEnvironmentEditing: Sendable {
    /// Sets `name` to `value` in the block at `file` and returns its previous value (nil when it was not set).
    func set(_ name: String, to value: String, in file: String) throws(RunError) -> String?
}

extension GrubEnvironmentEditing {
    /// Clears `next_entry` in `file`, as GRUB does when it boots that entry. Returns what it named (nil when
    /// it was empty). A failure says how to go on: the next reboot would boot the one-time entry again.
    public func clearNextEntry(in file: String) throws(RunError) -> ClearedNextEntry? {
        do {
            let previous = try set("next_entry", to: "", in: file)
            return previous.flatMap { $0.isEmpty ? nil : ClearedNextEntry(file: file, value: $0) }
        } catch {
            var error = error
            error.message += "; the one-time entry (grub-reboot) cannot be cleared: choose it with --entry to leave \(file) alone"
            throw error
        }
    }

    /// Puts back what `clearNextEntry` cleared.
    public func restore(_ cleared: ClearedNextEntry) throws(RunError) {
        _ = try set("next_entry", to: cleared.value, in: cleared.file)
    }
}
