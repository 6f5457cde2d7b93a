/// Deterministic byte mutations (a xorshift generator seeded per target): flips, inserts, deletes,
/// duplicated ranges, and 1/2/4/8-byte fields set to boundary values (0, 2^63, 2^64-1, ...).
struct Mutator {
    private var state: UInt64

    init(seed: UInt64) { state = seed == 0 ? 0x9E37_79B9_7F4A_7C15 : seed }

    mutating func next() -> UInt64 {
        state ^= state << 13
        state ^= state >> 7
        state ^= state << 17
        return state
    }

    mutating func below(_ bound: Int) -> Int { bound <= 1 ? 0 : Int(next() % UInt64(bound)) }

    static let boundaries: [UInt64] = [0, 1, 0x7F, 0x80, 0xFF, 0xFFFF, 0x7FFF_FFFF, 0xFFFF_FFFF, 1 << 32, 1 << 62,
                                       1 << 63, UInt64.max, UInt64.max - 1, UInt64.max - 4095]

    /// One to four mutations of `input`, at most `maxSize` bytes.
    mutating func mutate(_ input: [UInt8], maxSize: Int) -> [UInt8] {
        var bytes = input
        for _ in 0...below(4) {
            switch below(7) {
            case 0 where !bytes.isEmpty:
                bytes[below(bytes.count)] ^= UInt8(truncatingIfNeeded: 1 << below(8))
            case 1 where !bytes.isEmpty:
                bytes[below(bytes.count)] = UInt8(truncatingIfNeeded: next())
            case 2:
                let at = below(bytes.count + 1)
                bytes.insert(contentsOf: (0..<(1 + below(16))).map { _ in UInt8(truncatingIfNeeded: next()) }, at: at)
            case 3 where bytes.count > 1:
                let from = below(bytes.count)
                bytes.removeSubrange(from..<min(bytes.count, from + 1 + below(64)))
            case 4 where !bytes.isEmpty:
                let from = below(bytes.count)
                let piece = bytes[from..<min(bytes.count, from + 1 + below(256))]
                bytes.insert(contentsOf: piece, at: below(bytes.count + 1))
            case 5 where bytes.count >= 8:
                let width = [1, 2, 4, 8][below(4)]
                let at = below(bytes.count - width + 1)
                let value = Mutator.boundaries[below(Mutator.boundaries.count)]
                for k in 0..<width { bytes[at + k] = UInt8(truncatingIfNeeded: value >> (8 * UInt64(k))) }
            case 6 where !bytes.isEmpty:
                bytes.removeSubrange(below(bytes.count)...)   // truncation
            default:
                bytes.append(UInt8(truncatingIfNeeded: next()))
            }
        }
        return bytes.count > maxSize ? Array(bytes.prefix(maxSize)) : bytes
    }
}
