/// One ELF section header (`GElf_Shdr`) with its name from the section name string table.
public struct ElfSectionHeader: Sendable, Equatable {
    /// The section's name (`.rodata`, `.text`, …).
    public var name: String
    /// `sh_type` (see `noBits`).
    public var type: UInt32
    /// `sh_flags`.
    public var flags: UInt64
    /// `sh_offset`: where its bytes start in the file.
    public var offset: UInt64
    /// `sh_size`.
    public var size: UInt64

    /// `SHT_NOBITS`: the section takes no bytes in the file (`.bss`).
    public static let noBits: UInt32 = 8

    /// A section header from its fields.
    public init(name: String, type: UInt32, flags: UInt64 = 0, offset: UInt64, size: UInt64) {
        self.name = name
        self.type = type
        self.flags = flags
        self.offset = offset
        self.size = size
    }

    /// Whether the section has bytes in the file.
    public var hasFileBytes: Bool { type != Self.noBits }
}
