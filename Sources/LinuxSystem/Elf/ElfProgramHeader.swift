/// One ELF program header (`GElf_Phdr`): a segment to load, a note segment, ….
public struct ElfProgramHeader: Sendable, Equatable {
    /// Its index in the program header table.
    public var index: Int
    /// `p_type` (see `load`, `note`).
    public var type: UInt32
    /// `p_flags`.
    public var flags: UInt32
    /// `p_offset`: where the segment's bytes start in the file.
    public var offset: UInt64
    /// `p_vaddr` and `p_paddr`.
    public var virtualAddress: UInt64
    public var physicalAddress: UInt64
    /// `p_filesz`: its bytes in the file.
    public var fileSize: UInt64
    /// `p_memsz`: its bytes in memory.
    public var memorySize: UInt64
    /// `p_align`.
    public var alignment: UInt64

    /// `PT_LOAD`.
    public static let load: UInt32 = 1
    /// `PT_NOTE`.
    public static let note: UInt32 = 4

    /// A program header from its fields.
    public init(index: Int, type: UInt32, flags: UInt32 = 0, offset: UInt64, virtualAddress: UInt64 = 0,
                physicalAddress: UInt64 = 0, fileSize: UInt64, memorySize: UInt64 = 0, alignment: UInt64 = 0) {
        self.index = index
        self.type = type
        self.flags = flags
        self.offset = offset
        self.virtualAddress = virtualAddress
        self.physicalAddress = physicalAddress
        self.fileSize = fileSize
        self.memorySize = memorySize
        self.alignment = alignment
    }

    /// Whether this is a loadable segment.
    public var isLoad: Bool { type == Self.load }
    /// Whether this is a note segment.
    public var isNote: Bool { type == Self.note }
}
