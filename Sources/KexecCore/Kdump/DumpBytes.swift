import SystemPackage

#if canImport(Glibc)
import Glibc
#endif

/// Random access to the bytes of a dump: a plain file, or the sparse image a flattened stream describes.
/// Readers of dump headers go through it, so the same header parser serves both.
protocol DumpByteSource {
    /// Exactly `count` bytes at `offset`, or nil when the source does not hold them all.
    func read(offset: UInt64, count: Int) -> [UInt8]?
}

/// A file opened read-only, read with pread(2).
final class FileByteSource: DumpByteSource {
    let path: String
    private let fd: FileDescriptor

    /// Opens `path`; the error names the file.
    init(path: String, operation: String) throws(KexecError) {
        self.path = path
        do {
            fd = try FileDescriptor.open(FilePath(path), .readOnly, options: [.closeOnExec], retryOnInterrupt: true)
        } catch let errno as Errno {
            let code: KexecError.Code = (errno == .permissionDenied || errno == .notPermitted) ? .noPermission : .badImage
            throw KexecError(code, operation: operation, path: path, errno: errno, "\(path): cannot open: \(errno)")
        } catch {
            throw KexecError(.failed, operation: operation, path: path, "\(path): cannot open: \(error)")
        }
    }

    deinit { try? fd.close() }

    /// The raw descriptor, for libelf.
    var rawDescriptor: Int32 { fd.rawValue }

    func read(offset: UInt64, count: Int) -> [UInt8]? {
        guard count >= 0 else { return nil }
        var buffer = [UInt8](repeating: 0, count: count)
        var done = 0
        while done < count {
            let n: Int
            do {
                n = try buffer.withUnsafeMutableBytes { raw in
                    try fd.read(fromAbsoluteOffset: Int64(offset) + Int64(done),
                                into: UnsafeMutableRawBufferPointer(rebasing: raw[done...]), retryOnInterrupt: true)
                }
            } catch {
                return nil
            }
            if n == 0 { return nil }
            done += n
        }
        return buffer
    }

    /// The file's size from fstat(2) (for /proc/vmcore: the size of the dump it describes).
    var size: UInt64 {
        var st = stat()
        return fstat(fd.rawValue, &st) == 0 ? UInt64(max(0, st.st_size)) : 0
    }
}

/// Little- and big-endian integers and C strings out of byte arrays.
enum DumpBytes {
    static func littleEndian<T: FixedWidthInteger>(_ bytes: [UInt8], at offset: Int, as: T.Type = T.self) -> T? {
        let size = MemoryLayout<T>.size
        guard offset >= 0, offset + size <= bytes.count else { return nil }
        var value: T = 0
        for i in (0..<size).reversed() { value = (value << 8) | T(bytes[offset + i]) }
        return value
    }

    static func bigEndian<T: FixedWidthInteger>(_ bytes: [UInt8], at offset: Int, as: T.Type = T.self) -> T? {
        let size = MemoryLayout<T>.size
        guard offset >= 0, offset + size <= bytes.count else { return nil }
        var value: T = 0
        for i in 0..<size { value = (value << 8) | T(bytes[offset + i]) }
        return value
    }

    /// The NUL-terminated string in a fixed-size field; nil when empty.
    static func cString(_ bytes: [UInt8], at offset: Int, length: Int) -> String? {
        guard offset >= 0, offset + length <= bytes.count else { return nil }
        let field = bytes[offset..<(offset + length)].prefix { $0 != 0 }
        let text = String(decoding: field, as: UTF8.self)
        return text.isEmpty ? nil : text
    }

    /// Whether `bytes` starts with the ASCII `signature`.
    static func hasPrefix(_ bytes: [UInt8], _ signature: String) -> Bool {
        let sig = Array(signature.utf8)
        return bytes.count >= sig.count && Array(bytes.prefix(sig.count)) == sig
    }
}
