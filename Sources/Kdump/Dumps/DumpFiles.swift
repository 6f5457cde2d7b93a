import KexecCore
import LinuxSystem
import SystemPackage

#if canImport(Glibc)
import Glibc
#endif

/// The file operations saving a dump needs, each crash-safe: create directories, write a file
/// atomically (`NAME.incomplete`, fsync, rename, fsync the directory), remove a dump directory.
enum DumpFiles {
    /// `mkdir -p`, mode 0700 for new directories (dumps hold kernel memory).
    static func makeDirectories(_ path: String, operation: String) throws(KexecError) {
        do { try RecordWriter.makeDirectories(path) } catch { throw KexecError(operation: operation, error) }
    }

    /// Writes `bytes` to `path` through `RecordWriter` (an exclusive temporary file, fsync, rename, fsync of
    /// the directory; the directory must be kreboot's own).
    static func writeAtomically(_ bytes: [UInt8], to path: String, operation: String) throws(KexecError) {
        do { try RecordWriter.write(bytes, to: path, operation: operation) } catch { throw KexecError(operation: operation, error) }
    }

    /// fsyncs `temporary`, renames it to `path` and fsyncs the directory.
    static func commit(_ temporary: String, as path: String, operation: String) throws(KexecError) {
        try syncFile(temporary, operation: operation)
        guard rename(temporary, path) == 0 else {
            let err = Errno(rawValue: errno)
            throw KexecError(.failed, operation: operation, path: path, errno: err, "\(temporary) → \(path): cannot rename: \(err)")
        }
        syncDirectory(of: path)
    }

    /// fsync(2) of a file by path.
    static func syncFile(_ path: String, operation: String) throws(KexecError) {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else {
            let err = Errno(rawValue: errno)
            throw KexecError(.failed, operation: operation, path: path, errno: err, "\(path): cannot open to sync: \(err)")
        }
        defer { close(fd) }
        guard fsync(fd) == 0 else {
            let err = Errno(rawValue: errno)
            throw KexecError(.failed, operation: operation, path: path, errno: err, "\(path): fsync failed: \(err)")
        }
    }

    /// fsync(2) of the directory holding `path`, so a rename survives a crash. Best effort.
    static func syncDirectory(of path: String) {
        let dir = parent(of: path)
        let fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard fd >= 0 else { return }
        _ = fsync(fd)
        close(fd)
    }

    /// The directory part of a path (`.` when there is none).
    static func parent(of path: String) -> String { RecordWriter.parent(of: path) }

    /// Removes the regular files directly in `dir`, then `dir` itself. Anything else in it (a
    /// subdirectory another program made) makes rmdir fail and the directory stays: returns false.
    @discardableResult
    static func removeDumpDirectory(_ dir: String) -> Bool {
        for name in RootDirectory().listDirectory(dir) {
            let path = dir + "/" + name
            var st = stat()
            if lstat(path, &st) == 0 && (st.st_mode & S_IFMT) == S_IFREG { unlink(path) }
        }
        return rmdir(dir) == 0
    }

    /// Size of a file in bytes (not following symlinks); nil when absent.
    static func size(_ path: String) -> UInt64? {
        var st = stat()
        guard lstat(path, &st) == 0 else { return nil }
        return UInt64(max(0, st.st_size))
    }

    /// Whether `path` is a directory (not following symlinks).
    static func isDirectory(_ path: String) -> Bool {
        var st = stat()
        return lstat(path, &st) == 0 && (st.st_mode & S_IFMT) == S_IFDIR
    }
}
