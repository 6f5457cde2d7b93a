import ArgumentParser
import LinuxSystem
import Quiesce

extension NetworkMountOperation: ExpressibleByArgument {}

/// `kreboot __network-mount OPERATION --path … --source … --type …`: one unmount, detach, remount or mount of a
/// network file system through libmount, run by `ChildProcessNetworkMounts` as a child so that a server that does
/// not answer blocks only this process (which is killed when its time is up). On failure the last line on stderr
/// is `errno=N message` and the exit status 1. Not for people.
struct NetworkMountCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "__network-mount",
        abstract: "Unmount, detach, remount or mount a network file system (internal, run in a child with a timeout).",
        shouldDisplay: false)

    @Argument(help: "unmount, remount-ro, remount-rw or mount-again.")
    var operation: NetworkMountOperation

    @Option(help: "The mount point.") var path: String
    @Option(help: "The mounted source.") var source: String
    @Option(help: "The file system type.") var type: String
    @Option(name: .customLong("vfs-options"), help: "The VFS options.") var vfsOptions = "rw"
    @Option(name: .customLong("fs-options"), help: "The file system's own options.") var fsOptions = ""
    @Option(name: .customLong("fs-root"), help: "The root of the mount within its file system.") var fsRoot = "/"
    @Flag(help: "Detach lazily (MNT_DETACH).") var detach = false
    // Not `--force`: the root command refuses that (it was split into --ignore-sessions and --ignore-inhibitors).
    @Flag(name: .customLong("force-unmount"), help: "Force (MNT_FORCE).") var force = false

    func run() throws {
        let mount = MountEntry(source: source, target: path, fstype: type, vfsOptions: vfsOptions, fsOptions: fsOptions,
                               fsRoot: fsRoot)
        do {
            try LibmountMountOperations().network(operation, mount, detach: detach, force: force)
        } catch {
            Terminal.error(ChildProcessNetworkMounts.failureLine(error))
            throw ExitCode(1)
        }
    }
}
