/// Fixed-size little-endian fields, magic numbers and C strings out of bytes read from kernel images.
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
