import LinuxSystem
import SystemPackage

/// The real `NetworkMountOperations`: each operation runs in a child, `HELPER __network-mount OPERATION …`
/// (kreboot itself, which calls `LibmountMountOperations.network`), with a time limit. A server that does not
/// answer blocks the child in the kernel, never kreboot: when the time is up the child is killed and the
/// operation throws `.timedOut` naming the mount and the server — except a lazy detach, which counts as done
/// once the mount point has left the table (the kernel may still be letting go of the dead server's file system):
/// the table is looked at after `detachSettleTime`, so a detach from a dead server costs seconds, not the whole
/// time limit.
public struct ChildProcessNetworkMounts: NetworkMountOperations {
    /// The program run: by default this executable (/proc/self/exe).
    public var helper: String
    public var runner: any SubprocessRunner
    /// The mount table the detach check reads.
    public var mountInfo: String
    /// How long a detach's child runs before the table is first looked at (umount2 with MNT_DETACH takes the mount
    /// out of the table at once; what follows, the release of a dead server's file system, may never end).
    public var detachSettleTime: Duration

    public init(helper: String = "/proc/self/exe", runner: any SubprocessRunner = SpawnSubprocessRunner(),
                mountInfo: String = "/proc/self/mountinfo", detachSettleTime: Duration = .seconds(3)) {
        self.helper = helper
        self.runner = runner
        self.mountInfo = mountInfo
        self.detachSettleTime = detachSettleTime
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
        let argv = arguments(.unmount, mount, detach: detach, force: force)
        guard detach else { return try run(argv, what, mount, server: server, timeout: timeout) }
        // A detach: first for `detachSettleTime`, then, while the mount point is still in the table, for the rest of
        // the time limit; a child that outlives either counts as done once the mount point has left the table.
        var limits = [min(detachSettleTime, timeout)]
        if timeout > detachSettleTime { limits.append(timeout - detachSettleTime) }
        for (attempt, limit) in limits.enumerated() {
            do {
                return try run(argv, what, mount, server: server, timeout: limit)
            } catch where error.code == .timedOut {
                if !isInTable(mount.target) { return }
                if attempt == limits.count - 1 {
                    throw QuiesceError(.timedOut, operation: what, path: mount.target,
                                       "\(what): no answer from server \(server) within \(timeout.components.seconds) s "
                                       + "(\(mount.fstype) \(mount.source)); the child was killed")
                }
            }
        }
    }

    /// Whether `target` is still a mount point in the table (a table that cannot be read counts as yes).
    private func isInTable(_ target: String) -> Bool {
        guard let table = try? MountTableReader.read(mountInfo: mountInfo) else { return true }
        return table.contains(where: { $0.target == target })
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
