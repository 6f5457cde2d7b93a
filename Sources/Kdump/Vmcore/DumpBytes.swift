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
