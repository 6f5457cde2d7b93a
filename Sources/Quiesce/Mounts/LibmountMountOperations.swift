internal import CMount
import Glibc
import LinuxSystem
import SystemPackage

/// The real `MountOperations`: umount and remount through libmount, syncfs(2) and sync(2), and
/// a /proc scan for writers.
public struct LibmountMountOperations: MountOperations {
    /// The mount table to read (the target system's view of its mounts).
    public var mountInfo: String
    /// The proc file system to scan for writers.
    public var procRoot: String

    public init(mountInfo: String = "/proc/self/mountinfo", procRoot: String = "/proc") {
        self.mountInfo = mountInfo
        self.procRoot = procRoot
    }

    /// Unmounts `path`. A path that `mountInfo` no longer lists counts as unmounted already (the isolate stops
    /// remote-fs.target, which unmounts network file systems) and is not touched. The corresponding command is `umount PATH`.
    public func unmount(path: String) throws(QuiesceError) {
        if let entries = try? mountTable(), !entries.contains(where: { $0.target == path }) {
            return
        }
        let context = try MountContext(operation: "umount \(path)", path: path)
        try context.unmount()
    }

    /// Remounts `path` read-only. The corresponding command is `mount -o remount,ro PATH`.
    public func remountReadOnly(path: String) throws(QuiesceError) {
        let context = try MountContext(operation: "remount \(path) read-only", path: path)
        try context.setOptions("remount,ro")
        try context.mount()
    }

    /// Remounts `path` read-write. The corresponding command is `mount -o remount,rw PATH`.
    public func remountReadWrite(path: String) throws(QuiesceError) {
        let context = try MountContext(operation: "remount \(path) read-write", path: path)
        try context.setOptions("remount,rw")
        try context.mount()
    }

    /// syncfs(2) on `path` (or on every local read-write mount when nil), then sync(2). A syncfs error
    /// (a failed write-back) throws; sync(2) reports none.
    public func sync(path: String?) throws(QuiesceError) {
        let paths = if let path { [path] } else { try readWriteLocalMounts().map(\.target) }
        for target in paths {
            let fd = open(target, O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY)
            guard fd >= 0 else { throw QuiesceError.fromErrno(operation: "syncfs \(target)", path: target) }
            defer { close(fd) }
            if case .failure(let errno) = LinuxSyscalls.syncfs(FileDescriptor(rawValue: fd)) {
                throw QuiesceError.fromErrno(errno, operation: "syncfs \(target)", path: target)
            }
        }
        Glibc.sync()
    }

    /// Processes with regular files open for writing on the file system containing `path`.
    public func writers(of path: String) throws(QuiesceError) -> [MountWriter] {
        try MountWriterScanner(procRoot: procRoot).writers(of: path)
    }

    /// The local disk file systems in `mountInfo` that are still read-write.
    public func readWriteLocalMounts() throws(QuiesceError) -> [MountEntry] {
        try mountTable().filter(\.isLocalReadWrite)
    }

    /// The entries of `mountInfo` as LinuxSystem's libmount reader parses them.
    private func mountTable() throws(QuiesceError) -> [MountEntry] {
        do {
            return try MountTableReader.read(mountInfo: mountInfo)
        } catch {
            throw QuiesceError(.failed, operation: "read the mount table", path: mountInfo, errno: error.errno, error.message)
        }
    }
}
