/// One active swap area, as /proc/swaps lists it.
public struct SwapArea: Codable, Sendable, Equatable {
    /// What backs it.
    public enum Kind: String, Codable, Sendable {
        /// A swap file on a file system (`/swap.img`): that file system stays busy while it is on.
        case file
        /// A block device: a partition, an LV, zram.
        case partition
    }

    /// The file or device, as /proc/swaps names it.
    public var path: String
    public var kind: Kind
    /// Its size and how much of it is in use, in bytes.
    public var sizeBytes: UInt64
    public var usedBytes: UInt64

    public init(path: String, kind: Kind, sizeBytes: UInt64 = 0, usedBytes: UInt64 = 0) {
        self.path = path
        self.kind = kind
        self.sizeBytes = sizeBytes
        self.usedBytes = usedBytes
    }
}
