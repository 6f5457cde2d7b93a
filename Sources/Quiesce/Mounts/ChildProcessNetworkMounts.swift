import LinuxSystem
import SystemPackage

/// The real `NetworkMountOperations`: each operation runs in a child, `HELPER __network-mount OPERATION …`
/// (kreboot itself, which calls `LibmountMountOperations.network`), with a time limit. A server that does not
/// answer blocks the child in the kernel, never kreboot: when the time is up the child is killed and the
/// operation throws `.timedOut` naming the mount and the server — except a lazy detach, which counts as done
/// once the mount point has left the table (the kernel may still be letting go of the dead server's file system).
public struct ChildProcessNetworkMounts: NetworkMountOperations {
    /// The program run: by default this executable (/proc/self/exe).
    public var helper: String
    public var runner: any SubprocessRunner
    /// The mount table the detach check reads.
    public var mountInfo: String

    public init(helper: String = "/proc/self/exe", runner: any SubprocessRunner = SpawnSubprocessRunner(),
                mountInfo: String = "/proc/self/mountinfo") {
        self.helper = helper
        self.runner = runner
        self.mountInfo = mountInfo
    }

    /// The child's argv for `operation` on `mount`.
    public func arguments(_ operation: NetworkMountOperation, _ mount: MountEntry, detach: Bool = false,
                          force: Bool = false) -> [String] {
        var argv = [helper, "__network-mount", operation.rawValue, "--path", mount.target, "--source", mount.source,
                    "--type", mount.fstype, "--vfs-options", mount.vfsOptions, "--fs-options", mount.fsOptions,
                    "--fs-root", mount.fsRoot]
        if detach { argv.append("--detach") }
        if force { argv.append("--force-unmount") }
        return argv
    }

    public func unmount(_ mount: MountEntry, server: String, detach: Bool, force: Bool, timeout: Duration) throws(QuiesceError) {
        let what = detach ? "detach \(mount.target)" : "umount \(mount.target)"
        do {
            try run(arguments(.unmount, mount, detach: detach, force: force), what, mount, server: server, timeout: timeout)
        } catch where error.code == .timedOut && detach {
            // The detach itself does not wait for the server; the child may still be releasing its file system.
            if let table = try? MountTableReader.read(mountInfo: mountInfo), !table.contains(where: { $0.target == mount.target }) {
                return
            }
            throw error
        }
    }

    public func remountReadOnly(_ mount: MountEntry, server: String, timeout: Duration) throws(QuiesceError) {
        try run(arguments(.remountReadOnly, mount), "remount \(mount.target) read-only", mount, server: server, timeout: timeout)
    }

    public func remountReadWrite(_ mount: MountEntry, server: String, timeout: Duration) throws(QuiesceError) {
        try run(arguments(.remountReadWrite, mount), "remount \(mount.target) read-write", mount, server: server, timeout: timeout)
    }

    public func mountAgain(_ mount: MountEntry, server: String, timeout: Duration) throws(QuiesceError) {
        try run(arguments(.mountAgain, mount), "mount \(mount.source) at \(mount.target)", mount, server: server, timeout: timeout)
    }

    /// Runs the child; its last line on failure is `errno=N message` (see `ChildProcessNetworkMounts.failureLine`).
    private func run(_ argv: [String], _ operation: String, _ mount: MountEntry, server: String,
                     timeout: Duration) throws(QuiesceError) {
        let result = runner.runReportingSpawnFailure(argv, options: SubprocessOptions(timeout: timeout))
        if result.timedOut {
            let (seconds, _) = timeout.components
            throw QuiesceError(.timedOut, operation: operation, path: mount.target,
                               "\(operation): no answer from server \(server) within \(seconds) s (\(mount.fstype) \(mount.source)); the child was killed")
        }
        guard result.status != 0 else { return }
        let line = result.lastLine ?? "exit status \(result.status)"
        let parsed = Self.parseFailure(line)
        throw QuiesceError(QuiesceError.code(for: parsed.errno), operation: operation, path: mount.target,
                           errno: parsed.errno, parsed.message)
    }

    /// The line the child prints last when the operation fails: `errno=16 umount /mnt/nfs: target is busy`.
    public static func failureLine(_ error: QuiesceError) -> String {
        "errno=\(error.errno?.rawValue ?? 0) \(error.message)"
    }

    /// The errno and message of a `failureLine` (after the `kreboot: ` the CLI puts before its errors); a line
    /// in another form is the message as it is.
    static func parseFailure(_ line: String) -> (errno: Errno?, message: String) {
        let text = line.hasPrefix("kreboot: ") ? line.dropFirst("kreboot: ".count) : Substring(line)
        guard text.hasPrefix("errno="), let space = text.firstIndex(of: " ") else { return (nil, line) }
        let number = Int32(text[text.index(text.startIndex, offsetBy: 6)..<space]) ?? 0
        return (number > 0 ? Errno(rawValue: number) : nil, String(text[text.index(after: space)...]))
    }
}
