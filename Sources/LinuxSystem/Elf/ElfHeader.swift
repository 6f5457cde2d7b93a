/// The ELF file header (`GElf_Ehdr`) as Swift values: class, byte order, type, machine, entry and where
/// the program and section header tables lie.
public struct ElfHeader: Sendable, Equatable {
    /// `e_ident[EI_CLASS]`: 1 for 32-bit, 2 for 64-bit.
    public var fileClass: UInt8
    /// `e_ident[EI_DATA]`: 1 for little-endian, 2 for big-endian.
    public var dataEncoding: UInt8
    /// `e_type` (see `relocatable`, `executable`, `sharedObject`, `core`).
    public var type: UInt16
    /// `e_machine` (62: x86-64, 183: AArch64, …).
    public var machine: UInt16
    /// `e_entry`.
    public var entry: UInt64
    /// `e_phoff`, `e_phnum` and `e_phentsize`: the program header table.
    public var programHeaderOffset: UInt64
    public var programHeaderCount: UInt16
    public var programHeaderEntrySize: UInt16
    /// `e_shoff`, `e_shnum` and `e_shentsize`: the section header table.
    public var sectionHeaderOffset: UInt64
    public var sectionHeaderCount: UInt16
    public var sectionHeaderEntrySize: UInt16

    /// `ET_REL`: an object file.
    public static let relocatable: UInt16 = 1
    /// `ET_EXEC`: an executable (a `vmlinux`).
    public static let executable: UInt16 = 2
    /// `ET_DYN`: a position-independent executable or shared object (a relocatable `vmlinux`).
    public static let sharedObject: UInt16 = 3
    /// `ET_CORE`: a core dump (/proc/vmcore).
    public static let core: UInt16 = 4

    /// A header from its fields.
    public init(fileClass: UInt8, dataEncoding: UInt8, type: UInt16, machine: UInt16, entry: UInt64,
                programHeaderOffset: UInt64, programHeaderCount: UInt16, programHeaderEntrySize: UInt16,
                sectionHeaderOffset: UInt64, sectionHeaderCount: UInt16, sectionHeaderEntrySize: UInt16) {
        self.fileClass = fileClass
        self.dataEncoding = dataEncoding
        self.type = type
        self.machine = machine
        self.entry = entry
        self.programHeaderOffset = programHeaderOffset
        self.programHeaderCount = programHeaderCount
        self.programHeaderEntrySize = programHeaderEntrySize
        self.sectionHeaderOffset = sectionHeaderOffset
        self.sectionHeaderCount = sectionHeaderCount
        self.sectionHeaderEntrySize = sectionHeaderEntrySize
    }

    /// Whether the file is 64-bit.
    public var is64Bit: Bool { fileClass == 2 }
    /// Whether the file is big-endian.
    public var isBigEndian: Bool { dataEncoding == 2 }

    /// The name `uname -m` prints for this header's machine, class and byte order; nil for a machine not known here.
    public var machineName: String? {
        Self.machineName(machine: machine, fileClass: fileClass, dataEncoding: dataEncoding)
    }

    /// The name `uname -m` prints for an ELF machine, class (1: 32-bit, 2: 64-bit) and byte order (1: little,
    /// 2: big); nil for a machine not known here.
    public static func machineName(machine: UInt16, fileClass: UInt8, dataEncoding: UInt8) -> String? {
        let little = dataEncoding != 2
        switch machine {
        case 62: return "x86_64"
        case 3: return "i386"
        case 183: return little ? "aarch64" : "aarch64_be"
        case 40: return "armv7l"
        case 243: return fileClass == 2 ? "riscv64" : "riscv32"
        case 21: return little ? "ppc64le" : "ppc64"
        case 20: return "ppc"
        case 22: return "s390x"
        case 258: return "loongarch64"
        case 8: return fileClass == 2 ? "mips64" : "mips"
        default: return nil
        }
    }
}
