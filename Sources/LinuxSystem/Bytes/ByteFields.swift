/// Fixed-size integers, magic numbers and C strings out of bytes read from files kreboot does not control
/// (kernel images, dump headers). Every read is bounds-checked: out of range is nil (or 0 for the `leNN`
/// shorthands), never a trap.
extension Array where Element == UInt8 {
    /// The little-endian integer at `offset`; nil when the bytes are not all there.
    public func littleEndian<T: FixedWidthInteger>(at offset: Int, as: T.Type = T.self) -> T? {
        let size = MemoryLayout<T>.size
        guard offset >= 0, offset <= count - size else { return nil }
        var value: T = 0
        for i in (0..<size).reversed() { value = (value << 8) | T(truncatingIfNeeded: self[offset + i]) }
        return value
    }

    /// The big-endian integer at `offset`; nil when the bytes are not all there.
    public func bigEndian<T: FixedWidthInteger>(at offset: Int, as: T.Type = T.self) -> T? {
        let size = MemoryLayout<T>.size
        guard offset >= 0, offset <= count - size else { return nil }
        var value: T = 0
        for i in 0..<size { value = (value << 8) | T(truncatingIfNeeded: self[offset + i]) }
        return value
    }

    /// Little-endian unsigned 16-bit value at `offset`; 0 when out of range.
    public func le16(_ offset: Int) -> UInt16 { littleEndian(at: offset) ?? 0 }

    /// Little-endian unsigned 32-bit value at `offset`; 0 when out of range.
    public func le32(_ offset: Int) -> UInt32 { littleEndian(at: offset) ?? 0 }

    /// Little-endian unsigned 64-bit value at `offset`; 0 when out of range.
    public func le64(_ offset: Int) -> UInt64 { littleEndian(at: offset) ?? 0 }

    /// Whether the bytes at `offset` equal `magic`.
    public func matches(_ magic: [UInt8], at offset: Int) -> Bool {
        guard offset >= 0, offset <= count - magic.count else { return false }
        return self[offset..<(offset + magic.count)].elementsEqual(magic)
    }

    /// Whether the bytes start with the ASCII `signature`.
    public func hasASCIIPrefix(_ signature: String) -> Bool {
        matches(Array(signature.utf8), at: 0)
    }

    /// The NUL-terminated (or `maxLength`-bounded) string at `offset`, as printable ASCII; nil when empty.
    public func cString(at offset: Int, maxLength: Int) -> String? {
        guard offset >= 0, offset < count, maxLength > 0 else { return nil }
        let end = offset + Swift.min(count - offset, maxLength)
        let bytes = self[offset..<end].prefix { $0 != 0 && $0 != 0x0A }
        guard !bytes.isEmpty, bytes.allSatisfy({ $0 >= 0x20 && $0 < 0x7F }) else { return nil }
        return String(decoding: bytes, as: UTF8.self)
    }

    /// The NUL-terminated string in a fixed-size field of `length` bytes (a utsname field); nil when the
    /// field is not all there or empty.
    public func fixedCString(at offset: Int, length: Int) -> String? {
        guard offset >= 0, length >= 0, offset <= count - length else { return nil }
        let field = self[offset..<(offset + length)].prefix { $0 != 0 }
        let text = String(decoding: field, as: UTF8.self)
        return text.isEmpty ? nil : text
    }
}
