/// Sets variables in GRUB's environment block (grubenv), as `grub-editenv FILE set NAME=VALUE` does.
public protocol GrubEnvironmentEditing: Sendable {
    /// Sets `name` to `value` in the block at `file` and returns its previous value (nil when it was not set).
    func set(_ name: String, to value: String, in file: String) throws(QuiesceError) -> String?
}
