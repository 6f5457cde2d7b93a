import LinuxSystem
/// A process holding a file open for writing on a mount: what blocks `mount -o remount,ro`.
public struct MountWriter: Sendable, Equatable, Codable {
    /// The process id.
    public var pid: Int32
    /// Its command name (/proc/PID/comm).
    public var command: String
    /// The file it holds open for writing (the /proc/PID/fd link target).
    public var file: String

    public init(pid: Int32, command: String, file: String) {
        self.pid = pid
        self.command = command
        self.file = file
    }
}

extension MountWriter: CustomStringConvertible {
    /// `systemd-journal (pid 109) writing /var/log/journal/…/system.journal`, as messages show it.
    public var description: String { "\(command) (pid \(pid)) writing \(file)" }
}
