import SystemPackage

#if canImport(Glibc)
import Glibc
#endif

/// An open kernel image file, read in bounded pieces at given offsets. Closes the file when it goes away.
struct ImageFile: ~Copyable {
    /// The file descriptor, open read-only.
    let fd: FileDescriptor
    /// The file's size in bytes.
    let size: UInt64
    /// The path as messages show it.
    let displayPath: String

    /// Opens `hostPath` read-only; the error names `displayPath`.
    init(hostPath: String, displayPath: String) throws(RebootPlanError) {
        let opened: FileDescriptor
        do {
            opened = try FileDescriptor.open(FilePath(hostPath), .readOnly, options: [.closeOnExec])
        } catch {
            let code: RebootPlanError.Code = (error as? Errno) == .permissionDenied ? .noPermission : .badData
            throw RebootPlanError(code, path: displayPath, "\(displayPath): cannot open: \(error)")
        }
        var st = stat()
        guard fstat(opened.rawValue, &st) == 0 else {
            let err = Errno(rawValue: errno)
            try? opened.close()
            throw RebootPlanError(.badData, path: displayPath, "\(displayPath): cannot stat: \(err)")
        }
        guard (st.st_mode & S_IFMT) == S_IFREG else {
            try? opened.close()
            throw RebootPlanError(.badData, path: displayPath, "\(displayPath): not a regular file")
        }
        fd = opened
        size = UInt64(st.st_size)
        self.displayPath = displayPath
    }

    deinit { try? fd.close() }

    /// Up to `count` bytes at `offset` (fewer at the end of the file). The corresponding C function is `pread`.
    func read(at offset: UInt64, count: Int) throws(RebootPlanError) -> [UInt8] {
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
                throw RebootPlanError(.badData, path: displayPath, "\(displayPath): read error at offset \(offset + UInt64(filled)): \(error)")
            }
            if n == 0 { break }
            filled += n
        }
        return Array(buffer[0..<filled])
    }

    /// Exactly `count` bytes at `offset`, or a "truncated" error saying what was being read.
    func readExactly(at offset: UInt64, count: Int, what: String) throws(RebootPlanError) -> [UInt8] {
        let bytes = try read(at: offset, count: count)
        guard bytes.count == count else {
            throw RebootPlanError(.badData, path: displayPath,
                                  "\(displayPath): truncated: \(what) needs \(count) bytes at offset \(offset), file has \(size)")
        }
        return bytes
    }
}

extension Array where Element == UInt8 {
    /// Little-endian unsigned 16-bit value at `offset`; 0 when out of range.
    func le16(_ offset: Int) -> UInt16 {
        guard offset >= 0, offset + 2 <= count else { return 0 }
        return UInt16(self[offset]) | UInt16(self[offset + 1]) << 8
    }

    /// Little-endian unsigned 32-bit value at `offset`; 0 when out of range.
    func le32(_ offset: Int) -> UInt32 {
        guard offset >= 0, offset + 4 <= count else { return 0 }
        return (0..<4).reduce(UInt32(0)) { $0 | UInt32(self[offset + $1]) << (8 * UInt32($1)) }
    }

    /// Little-endian unsigned 64-bit value at `offset`; 0 when out of range.
    func le64(_ offset: Int) -> UInt64 {
        guard offset >= 0, offset + 8 <= count else { return 0 }
        return (0..<8).reduce(UInt64(0)) { $0 | UInt64(self[offset + $1]) << (8 * UInt64($1)) }
    }

    /// Whether the bytes at `offset` equal `magic`.
    func matches(_ magic: [UInt8], at offset: Int) -> Bool {
        guard offset >= 0, offset + magic.count <= count else { return false }
        return self[offset..<(offset + magic.count)].elementsEqual(magic)
    }

    /// The NUL-terminated (or `maxLength`-bounded) string at `offset`, as printable ASCII; nil when empty.
    func cString(at offset: Int, maxLength: Int) -> String? {
        guard offset >= 0, offset < count else { return nil }
        let end = Swift.min(count, offset + maxLength)
        let bytes = self[offset..<end].prefix { $0 != 0 && $0 != 0x0A }
        guard !bytes.isEmpty, bytes.allSatisfy({ $0 >= 0x20 && $0 < 0x7F }) else { return nil }
        return String(decoding: bytes, as: UTF8.self)
    }
}
