import KexecCore
import LinuxSystem
import RebootPlan
import SystemPackage

#if canImport(Glibc)
import Glibc
#endif

/// A dump target that is a local directory (or a mounted one: `MountedDumpTransport` writes through this):
/// files are written as `NAME.incomplete` (created exclusively, never following a symlink), fsynced and
/// renamed.
public struct LocalDumpTransport: DumpTransport {
    /// The target's directory on this machine.
    public var root: String

    public init(root: String) { self.root = root }

    public var summary: String { root }

    public func prepare(directory: String) throws(KexecError) {
        try DumpFiles.makeDirectories(path(directory), operation: "save-dump")
    }

    public func begin(directory: String, name: String) throws(KexecError) -> any DumpUpload {
        let final = path(directory) + "/" + name
        let partial = final + ".incomplete"
        let fd = open(partial, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0o600)
        guard fd >= 0 else {
            let err = Errno(rawValue: errno)
            throw KexecError(.failed, operation: "save-dump", path: partial, errno: err, "\(partial): cannot create: \(err)")
        }
        return LocalDumpUpload(fd: fd, partial: partial, final: final)
    }

    public func finish() {}

    func path(_ directory: String) -> String {
        directory.isEmpty ? root : root + "/" + directory
    }
}

/// A file of `LocalDumpTransport` being written.
final class LocalDumpUpload: DumpUpload {
    let fd: Int32
    let partial: String
    let final: String
    private var closed = false

    init(fd: Int32, partial: String, final: String) {
        self.fd = fd
        self.partial = partial
        self.final = final
    }

    deinit { closeOnce() }

    func stream(from source: Int32) throws(KexecError) -> UInt64 {
        try StreamCopy.copy(from: source, to: fd, what: partial)
    }

    func commit() throws(KexecError) {
        closeOnce()
        try DumpFiles.commit(partial, as: final, operation: "save-dump")
    }

    func abort() {
        closeOnce()
        DumpFiles.remove(partial)
    }

    private func closeOnce() {
        if !closed { close(fd); closed = true }
    }
}
