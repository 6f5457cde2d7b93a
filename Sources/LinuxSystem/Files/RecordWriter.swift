import SystemPackage

#if canImport(Glibc)
import Glibc
#endif

/// The one way kreboot writes its records (kdump-test.json, last-reboot.json, state.json, run directory files,
/// dump manifests): the directory is created 0700 when missing and refused when it is a symlink, not owned by
/// kreboot's user (root) or writable by group or others; the bytes go to a new temporary file created with
/// O_CREAT|O_EXCL|O_NOFOLLOW (mode 0600, a random name, so nothing planted there is followed or reused),
/// fsync'd, renamed over the record, and the directory fsync'd.
public enum RecordWriter {
    /// Writes `bytes` to `path` as described above. Errors name the file; `operation` is the step reported.
    public static func write(_ bytes: [UInt8], to path: String, operation: String) throws(SystemError) {
        let directory = parent(of: path)
        let name = String(path[path.index(after: path.lastIndex(of: "/") ?? path.startIndex)...])
        guard !name.isEmpty, name != ".", name != ".." else {
            throw SystemError(.failed, path: path, "\(path): not a file name")
        }
        let dirFD = try openDirectory(directory, operation: operation)
        defer { close(dirFD) }
        try write(bytes, into: dirFD, directory: directory, name: name, path: path, operation: operation)
    }

    /// Writes `bytes` to `targetPath` of the system under `root`, as `write(_:to:operation:)` does: the
    /// directories are created and the directory opened inside the tree (absolute symlinks and `..` stay in
    /// it, a symlink as the directory itself is refused), so nothing outside the tree is created or written.
    public static func write(_ bytes: [UInt8], to targetPath: String, in root: RootDirectory, operation: String) throws(SystemError) {
        guard !root.isRealRoot else { return try write(bytes, to: targetPath, operation: operation) }
        let directory = parent(of: targetPath)
        let name = String(targetPath[targetPath.index(after: targetPath.lastIndex(of: "/") ?? targetPath.startIndex)...])
        guard !name.isEmpty, name != ".", name != ".." else {
            throw SystemError(.failed, path: targetPath, "\(targetPath): not a file name")
        }
        try makeDirectories(directory, in: root)
        let dirFD: Int32
        switch root.openDescriptor(directory, flags: O_RDONLY | O_DIRECTORY, followFinal: false) {
        case .success(let fd): dirFD = fd
        case .failure(let err):
            let what = err == .tooManySymbolicLinkLevels || err == .notDirectory ? "is a symlink or not a directory" : "cannot open: \(err)"
            throw SystemError(.noPermission, path: directory, errno: err, "\(directory): \(what); refusing to write records there")
        }
        defer { close(dirFD) }
        try checkOwner(dirFD, directory: directory)
        try write(bytes, into: dirFD, directory: directory, name: name, path: targetPath, operation: operation)
    }

    /// Creates `directory` of the system under `root` and its missing parents, 0700, each one with mkdirat
    /// in its parent opened inside the tree.
    static func makeDirectories(_ directory: String, in root: RootDirectory) throws(SystemError) {
        var current = ""
        for part in directory.split(separator: "/") {
            let parentPath = current.isEmpty ? "/" : current
            current += "/" + part
            if case .success(let fd) = root.openDescriptor(current, flags: O_RDONLY | O_DIRECTORY) { close(fd); continue }
            guard case .success(let parentFD) = root.openDescriptor(parentPath, flags: O_RDONLY | O_DIRECTORY) else {
                throw SystemError(.failed, path: parentPath, "\(parentPath): cannot open to create \(current)")
            }
            defer { close(parentFD) }
            if mkdirat(parentFD, String(part), 0o700) != 0 && errno != EEXIST {
                let err = Errno(rawValue: errno)
                throw SystemError(err == .readOnlyFileSystem || err == .permissionDenied ? .noPermission : .failed,
                                  path: current, errno: err, "\(current): cannot create directory: \(err)")
            }
        }
    }

    /// The temporary file, fsync, rename and directory fsync, in the open directory `dirFD`.
    private static func write(_ bytes: [UInt8], into dirFD: Int32, directory: String, name: String, path: String,
                              operation: String) throws(SystemError) {
        let (fd, temporary) = try createTemporary(in: dirFD, directory: directory, base: name, operation: operation)
        func fail(_ what: String, _ err: Errno) -> SystemError {
            close(fd)
            unlinkat(dirFD, temporary, 0)
            return SystemError(.failed, path: path, errno: err, "\(path): \(what): \(err)")
        }
        var written = 0
        while written < bytes.count {
            let n = bytes.withUnsafeBytes { Glibc.write(fd, $0.baseAddress! + written, bytes.count - written) }
            if n < 0 {
                if errno == EINTR { continue }
                throw fail("cannot write", Errno(rawValue: errno))
            }
            written += n
        }
        guard fsync(fd) == 0 else { throw fail("fsync failed", Errno(rawValue: errno)) }
        close(fd)
        guard renameat(dirFD, temporary, dirFD, name) == 0 else {
            let err = Errno(rawValue: errno)
            unlinkat(dirFD, temporary, 0)
            throw SystemError(.failed, path: path, errno: err, "\(path): cannot rename \(temporary) over it: \(err)")
        }
        _ = fsync(dirFD)
    }

    /// Opens `directory` (creating it and missing parents 0700), refusing a symlink, a directory owned by
    /// another user, or one group or others may write.
    static func openDirectory(_ directory: String, operation: String) throws(SystemError) -> Int32 {
        try makeDirectories(directory)
        let fd = open(directory, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)
        guard fd >= 0 else {
            let err = Errno(rawValue: errno)
            let what = err == .tooManySymbolicLinkLevels || err == .notDirectory ? "is a symlink or not a directory" : "cannot open: \(err)"
            throw SystemError(.noPermission, path: directory, errno: err, "\(directory): \(what); refusing to write records there")
        }
        do { try checkOwner(fd, directory: directory) } catch {
            close(fd)
            throw error
        }
        return fd
    }

    /// Refuses a directory owned by another user or writable by group or others.
    static func checkOwner(_ fd: Int32, directory: String) throws(SystemError) {
        var st = stat()
        guard fstat(fd, &st) == 0 else {
            let err = Errno(rawValue: errno)
            throw SystemError(.failed, path: directory, errno: err, "\(directory): cannot stat: \(err)")
        }
        if st.st_uid != geteuid() || st.st_mode & 0o022 != 0 {
            let owner = st.st_uid != geteuid() ? "owned by uid \(st.st_uid), not \(geteuid())" : "writable by group or others (mode \(String(st.st_mode & 0o7777, radix: 8)))"
            throw SystemError(.noPermission, path: directory, "\(directory): \(owner); refusing to write records there")
        }
    }

    /// A new file `.NAME.XXXXXXXX` in the directory, created exclusively (never an existing file or symlink).
    static func createTemporary(in dirFD: Int32, directory: String, base: String, operation: String) throws(SystemError) -> (Int32, String) {
        var lastError = Errno.fileExists
        for _ in 0..<100 {
            let suffix = String(UInt32.random(in: 0...UInt32.max), radix: 16)
            let temporary = ".\(base).\(suffix)"
            let fd = openat(dirFD, temporary, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0o600)
            if fd >= 0 { return (fd, temporary) }
            lastError = Errno(rawValue: errno)
            if lastError != .fileExists { break }
        }
        throw SystemError(.failed, path: directory + "/" + base, errno: lastError,
                         "\(directory)/\(base): cannot create a temporary file: \(lastError)")
    }

    /// The directory part of `path` (`.` for a bare name, `/` for a file in /).
    public static func parent(of path: String) -> String {
        guard let slash = path.lastIndex(of: "/") else { return "." }
        let dir = String(path[..<slash])
        return dir.isEmpty ? "/" : dir
    }

    /// Creates `path` and its missing parents, 0700 (`mkdir -p -m 0700`).
    public static func makeDirectories(_ path: String) throws(SystemError) {
        try DirectoryMaker.makeWithParents(path, mode: 0o700)
    }
}
