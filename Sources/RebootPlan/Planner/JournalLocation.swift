import LinuxSystem

/// Where journald keeps its persistent journal, and which mount holds it: the file system that stays busy
/// until journald is moved to /run.
enum JournalLocation {
    /// journald's persistent journal (Storage=auto writes it when this directory exists).
    static let persistentDirectory = "/var/log/journal"

    /// The mount point of the file system holding `path`: the longest mount target that is `path` or a parent.
    static func mountPoint(of path: String, in mounts: [MountEntry]) -> String {
        mounts.deepestMount(holding: path)?.target ?? "/"
    }
}
