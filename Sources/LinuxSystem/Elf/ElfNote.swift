/// One ELF note (`Elf_Nhdr` with its name and descriptor), e.g. the kernel's `VMCOREINFO` note in a dump.
public struct ElfNote: Sendable, Equatable {
    /// The note's name without its NUL (`CORE`, `VMCOREINFO`, `GNU`).
    public var name: String
    /// `n_type`.
    public var type: UInt32
    /// The descriptor bytes.
    public var descriptor: [UInt8]

    /// A note from its parts.
    public init(name: String, type: UInt32, descriptor: [UInt8]) {
        self.name = name
        self.type = type
        self.descriptor = descriptor
    }
}
