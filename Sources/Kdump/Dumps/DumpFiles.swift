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

    /// fsyncs `temporary`, renames it to `path` (in the same directory) and fsyncs the directory: the
    /// directory is opened once (a symlink refused) and the file opened and renamed relative to it, the file
    /// without following a symlink, so nothing planted in between is followed.
    static func commit(_ temporary: String, as path: String, operation: String) throws(KexecError) {
        let dirFD = try openDirectory(parent(of: path), operation: operation)
        defer { close(dirFD) }
        let from = name(of: temporary), to = name(of: path)
        let fd = openat(dirFD, from, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY | O_CLOEXEC)
        guard fd >= 0 else {
            let err = Errno(rawValue: errno)
            throw KexecError(.failed, operation: operation, path: temporary, errno: err, "\(temporary): cannot open to sync: \(err)")
        }
        defer { close(fd) }
        var st = stat()
        guard fstat(fd, &st) == 0, (st.st_mode & S_IFMT) == S_IFREG else {
            throw KexecError(.failed, operation: operation, path: temporary, "\(temporary): not a regular file; not renamed")
        }
        guard fsync(fd) == 0 else {
            let err = Errno(rawValue: errno)
            throw KexecError(.failed, operation: operation, path: temporary, errno: err, "\(temporary): fsync failed: \(err)")
        }
        guard renameat(dirFD, from, dirFD, to) == 0 else {
            let err = Errno(rawValue: errno)
            throw KexecError(.failed, operation: operation, path: path, errno: err, "\(temporary) → \(path): cannot rename: \(err)")
        }
        _ = fsync(dirFD)
    }

    /// Opens the directory `path` for operations relative to it (O_NOFOLLOW: a symlink in its place is refused).
    static func openDirectory(_ path: String, operation: String) throws(KexecError) -> Int32 {
        let fd = open(path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)
        guard fd >= 0 else {
            let err = Errno(rawValue: errno)
            throw KexecError(.failed, operation: operation, path: path, errno: err, "\(path): cannot open the directory: \(err)")
        }
        return fd
    }

    /// The last component of a path.
    static func name(of path: String) -> String {
        String(path[path.index(after: path.lastIndex(of: "/") ?? path.index(before: path.startIndex))...])
    }

    /// Removes the file `path` (not following a symlink in its place: the link itself goes) and fsyncs its directory.
    static func remove(_ path: String) {
        let dirFD = open(parent(of: path), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)
        guard dirFD >= 0 else { return }
        defer { close(dirFD) }
        unlinkat(dirFD, name(of: path), 0)
        _ = fsync(dirFD)
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

    /// Removes the regular files directly in `dir`, then `dir` itself, every step relative to directories
    /// opened once without following symlinks (so a dump directory swapped for a symlink is not followed).
    /// Anything else in it (a subdirectory another program made) makes the removal fail and the directory
    /// stays: returns false.
    @discardableResult
    static func removeDumpDirectory(_ dir: String) -> Bool {
        let parentFD = open(parent(of: dir), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)
        guard parentFD >= 0 else { return false }
        defer { close(parentFD) }
        let base = name(of: dir)
        let dirFD = openat(parentFD, base, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)
        guard dirFD >= 0 else { return false }
        defer { close(dirFD) }
        let listFD = dup(dirFD)
        guard listFD >= 0, let names = try? RootDirectory.listDirectory(adopting: listFD, displayPath: dir) else { return false }
        for entry in names {
            var st = stat()
            if fstatat(dirFD, entry, &st, AT_SYMLINK_NOFOLLOW) == 0 && (st.st_mode & S_IFMT) == S_IFREG { unlinkat(dirFD, entry, 0) }
        }
        return unlinkat(parentFD, base, AT_REMOVEDIR) == 0
    }

    /// Size of a file in bytes (not following symlinks); nil when absent.
    static func size(_ path: String) -> UInt64? {
        guard case .success(let st) = RootDirectory().status(path, followFinal: false) else { return nil }
        return UInt64(max(0, st.st_size))
    }

    /// Whether `path` is a directory (not following symlinks).
    static func isDirectory(_ path: String) -> Bool {
        guard case .success(let st) = RootDirectory().status(path, followFinal: false) else { return false }
        return (st.st_mode & S_IFMT) == S_IFDIR
    }
}
