import SystemPackage

#if canImport(Glibc)
import Glibc
#endif

/// Reading whole files through the gateway: opened non-blocking, checked to be a regular file before any
/// read (a FIFO or a device never hangs a read), capped in size with an error naming the file and the cap.
extension RootDirectory {
    /// The whole file, or nil when it does not exist. Throws, naming the file, when it cannot be opened
    /// (a symlink loop, no permission), is not a regular file (/proc and /sys files are), or is larger than `limit`.
    public func readFile(_ targetPath: String, limit: ReadLimit, followFinal: Bool = true) throws(SystemError) -> [UInt8]? {
        guard let fd = try openRegularFile(targetPath, followFinal: followFinal) else { return nil }
        defer { close(fd) }
        return try Self.readAll(fd, limit: limit, stopAtLimit: false, displayPath: targetPath)
    }

    /// `readFile` as UTF-8 text (invalid bytes repaired).
    public func readFileText(_ targetPath: String, limit: ReadLimit) throws(SystemError) -> String? {
        try readFile(targetPath, limit: limit).map { String(decoding: $0, as: UTF8.self) }
    }

    /// Opens a regular file for reading (O_NONBLOCK), nil when it does not exist; throws naming the file
    /// when it is anything else or cannot be opened.
    public func openRegularFile(_ targetPath: String, followFinal: Bool = true) throws(SystemError) -> Int32? {
        let fd: Int32
        switch openDescriptor(targetPath, flags: O_RDONLY | O_NONBLOCK | O_NOCTTY, followFinal: followFinal) {
        case .success(let opened): fd = opened
        case .failure(let error):
            switch error {
            case .noSuchFileOrDirectory, .notDirectory: return nil
            case .tooManySymbolicLinkLevels:
                throw SystemError(.badData, path: targetPath,
                                      followFinal ? "\(targetPath): symlink loop (or more than 40 symlinks)"
                                                  : "\(targetPath): is a symlink where a regular file is expected")
            case .permissionDenied, .notPermitted:
                throw SystemError(.noPermission, path: targetPath, "\(targetPath): cannot open: \(error)")
            case .isDirectory:
                throw SystemError(.badData, path: targetPath, "\(targetPath): is a directory, not a regular file")
            default:
                throw SystemError(.badData, path: targetPath, "\(targetPath): cannot open: \(error)")
            }
        }
        var st = stat()
        guard fstat(fd, &st) == 0 else {
            let error = Errno(rawValue: errno)
            close(fd)
            throw SystemError(.badData, path: targetPath, "\(targetPath): cannot stat: \(error)")
        }
        guard (st.st_mode & S_IFMT) == S_IFREG else {
            close(fd)
            throw SystemError(.badData, path: targetPath,
                                  "\(targetPath): is \(Self.kindName(st.st_mode)), not a regular file")
        }
        return fd
    }

    /// Reads `fd` to its end, at most `limit.bytes`: past that, either stops (`stopAtLimit`) or throws.
    static func readAll(_ fd: Int32, limit: ReadLimit, stopAtLimit: Bool, displayPath: String) throws(SystemError) -> [UInt8] {
        var result: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 65536)
        while true {
            let room = limit.bytes - result.count
            let want = stopAtLimit ? min(chunk.count, room) : min(chunk.count, room + 1)
            if want <= 0 { break }
            let n = chunk.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress, want) }
            if n < 0 {
                if errno == EINTR { continue }
                let error = Errno(rawValue: errno)
                throw SystemError(.badData, path: displayPath, "\(displayPath): read error: \(error)")
            }
            if n == 0 { break }
            if !stopAtLimit && result.count + n > limit.bytes {
                throw SystemError(.badData, path: displayPath,
                                      "\(displayPath): larger than the \(limit.described) limit for a \(limit.kind)")
            }
            result.append(contentsOf: chunk[0..<n])
        }
        return result
    }
}

extension RootDirectory {
    /// `readFileText`, with the error (or "cannot be read") added to `problems`; nil when absent or on error.
    public func readFileText(_ targetPath: String, limit: ReadLimit, problems: inout [String]) -> String? {
        do {
            guard let text = try readFileText(targetPath, limit: limit) else {
                problems.append("\(targetPath): cannot be read")
                return nil
            }
            return text
        } catch {
            problems.append(error.message)
            return nil
        }
    }
}

extension RootDirectory {
    /// The whole regular file `name` in the open directory `directoryFD` (opened with openat: non-blocking,
    /// a final symlink not followed), or nil when it does not exist; throws, naming `displayPath`, when it is
    /// not a regular file, cannot be read or is larger than `limit`. For files found under a directory already
    /// open (a process's /proc/PID, a dump directory), so nothing is resolved by path again.
    public static func readFile(in directoryFD: Int32, name: String, limit: ReadLimit, displayPath: String) throws(SystemError) -> [UInt8]? {
        let fd = openat(directoryFD, name, O_RDONLY | O_NONBLOCK | O_NOCTTY | O_NOFOLLOW | O_CLOEXEC)
        guard fd >= 0 else {
            let error = Errno(rawValue: errno)
            if error == .noSuchFileOrDirectory { return nil }
            throw SystemError(error == .permissionDenied ? .noPermission : .badData, path: displayPath, errno: error,
                              "\(displayPath): cannot open: \(error)")
        }
        defer { close(fd) }
        var st = stat()
        guard fstat(fd, &st) == 0, (st.st_mode & S_IFMT) == S_IFREG else {
            throw SystemError(.badData, path: displayPath, "\(displayPath): is \(kindName(st.st_mode)), not a regular file")
        }
        return try readAll(fd, limit: limit, stopAtLimit: false, displayPath: displayPath)
    }
}
