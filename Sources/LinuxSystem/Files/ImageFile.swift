import SystemPackage

#if canImport(Glibc)
import Glibc
#endif

/// An open file read in bounded pieces at given offsets with pread(2): kernel images here, kernel dumps
/// in KexecCore. Reads never go past the size the file had when it was opened. Closes the file when it
/// goes away.
public struct ImageFile: ~Copyable {
    /// The file descriptor, open read-only.
    public let fd: FileDescriptor
    /// The file's size in bytes (for /proc/vmcore: the size of the dump it describes).
    public let size: UInt64
    /// The path as messages show it.
    public let displayPath: String

    /// Opens `hostPath` (a path on this machine) through the gateway of the real root: read-only and
    /// non-blocking (a FIFO does not hang the open), and it must be a regular file. The error names `displayPath`.
    public init(hostPath: String, displayPath: String) throws(SystemError) {
        let opened: Int32?
        do { opened = try RootDirectory().openRegularFile(hostPath) } catch {
            throw SystemError(error.code, path: displayPath, errno: error.errno,
                              error.message.replacingOccurrences(ofPrefix: hostPath, with: displayPath))
        }
        guard let opened else {
            throw SystemError(.badData, path: displayPath, errno: .noSuchFileOrDirectory,
                              "\(displayPath): cannot open: \(Errno.noSuchFileOrDirectory)")
        }
        try self.init(adopting: FileDescriptor(rawValue: opened), displayPath: displayPath, requireRegularFile: true)
    }

    /// Takes over `fd`, open for reading: it is closed when this goes away, and when this throws.
    /// The error names `displayPath`.
    public init(adopting fd: FileDescriptor, displayPath: String) throws(SystemError) {
        try self.init(adopting: fd, displayPath: displayPath, requireRegularFile: false)
    }

    private init(adopting fd: FileDescriptor, displayPath: String, requireRegularFile: Bool) throws(SystemError) {
        var st = stat()
        guard fstat(fd.rawValue, &st) == 0 else {
            let err = Errno(rawValue: errno)
            try? fd.close()
            throw SystemError(.badData, path: displayPath, "\(displayPath): cannot stat: \(err)")
        }
        guard !requireRegularFile || (st.st_mode & S_IFMT) == S_IFREG else {
            try? fd.close()
            throw SystemError(.badData, path: displayPath, "\(displayPath): not a regular file")
        }
        self.fd = fd
        size = UInt64(max(0, st.st_size))
        self.displayPath = displayPath
    }

    deinit { try? fd.close() }

    /// Up to `count` bytes at `offset` (fewer at the end of the file). The corresponding C function is `pread`.
    public func read(at offset: UInt64, count: Int) throws(SystemError) -> [UInt8] {
        guard offset < size, count > 0 else { return [] }
        let wanted = Int(min(UInt64(count), size - offset))
        var buffer = [UInt8](repeating: 0, count: wanted)
        var filled = 0
        while filled < wanted {
            let n: Int
            do {
                n = try buffer.withUnsafeMutableBytes { raw in
                    try fd.read(fromAbsoluteOffset: Int64(offset) + Int64(filled),
                                into: UnsafeMutableRawBufferPointer(rebasing: raw[filled...]), retryOnInterrupt: true)
                }
            } catch {
                throw SystemError(.badData, path: displayPath, "\(displayPath): read error at offset \(offset + UInt64(filled)): \(error)")
            }
            if n == 0 { break }
            filled += n
        }
        return Array(buffer[0..<filled])
    }

    /// Exactly `count` bytes at `offset`, or a "truncated" error saying what was being read.
    public func readExactly(at offset: UInt64, count: Int, what: String) throws(SystemError) -> [UInt8] {
        let bytes = try read(at: offset, count: count)
        guard bytes.count == count else {
            throw SystemError(.badData, path: displayPath,
                                  "\(displayPath): truncated: \(what) needs \(count) bytes at offset \(offset), file has \(size)")
        }
        return bytes
    }
}

extension String {
    /// The string with `prefix` replaced by `replacement` when it starts with it.
    func replacingOccurrences(ofPrefix prefix: String, with replacement: String) -> String {
        hasPrefix(prefix) ? replacement + dropFirst(prefix.count) : self
    }
}
