import CElf

#if canImport(Glibc)
import Glibc
#endif

/// Reads an ELF core dump (/proc/vmcore, a `cp` of it, `makedumpfile -E`) through libelf: the ELF
/// header's machine, and the VMCOREINFO note among the PT_NOTE segments.
struct ElfVmcoreReader: ~Copyable {
    private let elf: OpaquePointer
    private let path: String
    /// The file's size: PT_NOTE segments must lie inside it.
    private let fileSize: UInt64
    /// The most note bytes read from one PT_NOTE segment (a machine with thousands of CPUs has a few MiB).
    static let maxNoteBytes: UInt64 = 16 << 20

    /// Starts libelf on an open descriptor (not mmapped: /proc/vmcore is read with pread).
    init(descriptor: Int32, path: String, fileSize: UInt64 = .max) throws(KexecError) {
        self.path = path
        self.fileSize = fileSize
        _ = elf_version(UInt32(EV_CURRENT))
        guard let handle = elf_begin(descriptor, ELF_C_READ, nil) else {
            throw ElfVmcoreReader.error(path, "not readable as ELF: \(ElfVmcoreReader.libelfMessage())")
        }
        elf = handle
    }

    deinit { elf_end(elf) }

    /// The architecture, the VMCOREINFO note (when one is there) and whether the core is complete.
    func read() throws(KexecError) -> (arch: String, note: VmcoreInfoNote?) {
        guard elf_kind(elf) == ELF_K_ELF else { throw ElfVmcoreReader.error(path, "not an ELF file") }
        var ehdr = GElf_Ehdr()
        guard gelf_getehdr(elf, &ehdr) != nil else {
            throw ElfVmcoreReader.error(path, "truncated or corrupt ELF header: \(ElfVmcoreReader.libelfMessage())")
        }
        guard ehdr.e_type == UInt16(ET_CORE) else {
            throw ElfVmcoreReader.error(path, "an ELF file but not a core dump (e_type \(ehdr.e_type))")
        }
        var count = 0
        guard elf_getphdrnum(elf, &count) == 0 else {
            throw ElfVmcoreReader.error(path, "corrupt program headers: \(ElfVmcoreReader.libelfMessage())")
        }
        var note: VmcoreInfoNote?
        var sawNote = false
        for index in 0..<count {
            var phdr = GElf_Phdr()
            guard gelf_getphdr(elf, Int32(index), &phdr) != nil else {
                throw ElfVmcoreReader.error(path, "truncated program header \(index): \(ElfVmcoreReader.libelfMessage())")
            }
            guard phdr.p_type == UInt32(PT_NOTE), phdr.p_filesz > 0 else { continue }
            sawNote = true
            let (end, overflow) = phdr.p_offset.addingReportingOverflow(phdr.p_filesz)
            guard !overflow, end <= fileSize, end <= UInt64(Int64.max) else {
                throw ElfVmcoreReader.error(path, "impossible PT_NOTE \(index): offset \(phdr.p_offset) + size \(phdr.p_filesz) is past the end of the file (\(fileSize) bytes)")
            }
            guard phdr.p_filesz <= ElfVmcoreReader.maxNoteBytes else {
                throw ElfVmcoreReader.error(path, "impossible PT_NOTE \(index): \(phdr.p_filesz) bytes of notes (more than \(ElfVmcoreReader.maxNoteBytes >> 20) MiB)")
            }
            guard let data = elf_getdata_rawchunk(elf, Int64(phdr.p_offset), Int(phdr.p_filesz), ELF_T_NHDR) else {
                throw ElfVmcoreReader.error(path, "truncated PT_NOTE at offset \(phdr.p_offset) (\(phdr.p_filesz) bytes)")
            }
            if let found = vmcoreInfo(in: data) { note = found }
        }
        guard sawNote else { throw ElfVmcoreReader.error(path, "an ELF core without PT_NOTE: not a kernel dump") }
        return (ElfVmcoreReader.archName(machine: ehdr.e_machine), note)
    }

    /// The VMCOREINFO note in one PT_NOTE chunk, if any.
    private func vmcoreInfo(in data: UnsafeMutablePointer<Elf_Data>) -> VmcoreInfoNote? {
        guard let base = data.pointee.d_buf else { return nil }
        let size = data.pointee.d_size
        var offset = 0
        while offset < size {
            var nhdr = GElf_Nhdr()
            var nameOffset = 0
            var descOffset = 0
            let next = gelf_getnote(data, offset, &nhdr, &nameOffset, &descOffset)
            if next == 0 { break }
            let name = String(decoding: UnsafeRawBufferPointer(start: base + nameOffset, count: Int(nhdr.n_namesz))
                .prefix { $0 != 0 }, as: UTF8.self)
            if name == "VMCOREINFO" {
                let desc = UnsafeRawBufferPointer(start: base + descOffset, count: Int(nhdr.n_descsz))
                return VmcoreInfoNote(bytes: desc)
            }
            offset = next
        }
        return nil
    }

    /// e_machine → the name `uname -m` prints.
    static func archName(machine: UInt16) -> String {
        switch Int32(machine) {
        case EM_X86_64: return "x86_64"
        case EM_386: return "i386"
        case EM_AARCH64: return "aarch64"
        case EM_ARM: return "arm"
        case EM_PPC64: return "ppc64"
        case EM_PPC: return "ppc"
        case EM_S390: return "s390x"
        case EM_RISCV: return "riscv64"
        case EM_LOONGARCH: return "loongarch64"
        case EM_MIPS: return "mips"
        default: return "e_machine \(machine)"
        }
    }

    private static func error(_ path: String, _ message: String) -> KexecError {
        KexecError(.badImage, operation: "inspect", path: path, "\(path): \(message)")
    }

    private static func libelfMessage() -> String {
        guard let message = elf_errmsg(-1) else { return "unknown libelf error" }
        return String(cString: message)
    }
}
