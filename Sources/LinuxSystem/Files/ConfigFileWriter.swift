import SystemPackage

#if canImport(Glibc)
import Glibc
#endif

/// Writes a system configuration file another program reads (a GRUB drop-in, a BLS entry,
/// /etc/kernel/cmdline) the way `RecordWriter` writes records, without taking the directory over: the bytes
/// go to a new temporary file beside it (O_CREAT|O_EXCL|O_NOFOLLOW, a random name), get the mode the file had
/// (0644 for a new one), are fsync'd and renamed over it, and the directory is fsync'd. A missing directory is
/// created 0755 (with its parents); the directory itself must not be a symlink.
public enum ConfigFileWriter {
    /// Writes `text` to `hostPath` as described above. Errors name `displayPath`.
    public static func write(_ text: String, to hostPath: String, displayPath: String) throws(SystemError) {
        let directory = RecordWriter.parent(of: hostPath)
        let name = String(hostPath[hostPath.index(after: hostPath.lastIndex(of: "/") ?? hostPath.startIndex)...])
        try DirectoryMaker.makeWithParents(directory, mode: 0o755, displayPath: RecordWriter.parent(of: displayPath))
        let dirFD = open(directory, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)
        guard dirFD >= 0 else {
            let err = Errno(rawValue: errno)
            throw SystemError(.failed, path: displayPath, errno: err, "\(RecordWriter.parent(of: displayPath)): cannot open: \(err)")
        }
        defer { close(dirFD) }
        var existing = stat()
        let mode: mode_t = fstatat(dirFD, name, &existing, AT_SYMLINK_NOFOLLOW) == 0 ? existing.st_mode & 0o7777 : 0o644
        let (fd, temporary) = try RecordWriter.createTemporary(in: dirFD, directory: directory, base: name, operation: "write")
        func fail(_ what: String, _ err: Errno) -> SystemError {
            close(fd)
            unlinkat(dirFD, temporary, 0)
            return SystemError(.failed, path: displayPath, errno: err, "\(displayPath): \(what): \(err)")
        }
        let bytes = Array(text.utf8)
        var written = 0
        while written < bytes.count {
            let n = bytes.withUnsafeBytes { Glibc.write(fd, $0.baseAddress! + written, bytes.count - written) }
            if n < 0 {
                if errno == EINTR { continue }
                throw fail("cannot write", Errno(rawValue: errno))
            }
            written += n
        }
        guard fchmod(fd, mode) == 0 else { throw fail("cannot set the mode", Errno(rawValue: errno)) }
        guard fsync(fd) == 0 else { throw fail("fsync failed", Errno(rawValue: errno)) }
        close(fd)
        guard renameat(dirFD, temporary, dirFD, name) == 0 else {
            let err = Errno(rawValue: errno)
            unlinkat(dirFD, temporary, 0)
            throw SystemError(.failed, path: displayPath, errno: err, "\(displayPath): cannot rename \(temporary) over it: \(err)")
        }
        _ = fsync(dirFD)
    }

    /// Removes `hostPath` (a missing file is not an error) and fsyncs its directory.
    public static func remove(_ hostPath: String, displayPath: String) throws(SystemError) {
        guard unlink(hostPath) == 0 || errno == ENOENT else {
            let err = Errno(rawValue: errno)
            throw SystemError(.failed, path: displayPath, errno: err, "\(displayPath): cannot remove: \(err)")
        }
        let dirFD = open(RecordWriter.parent(of: hostPath), O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        if dirFD >= 0 { _ = fsync(dirFD); close(dirFD) }
    }
}
