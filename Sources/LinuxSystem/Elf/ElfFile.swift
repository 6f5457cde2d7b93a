internal import CElf

/// A libelf descriptor (`Elf *`) over an open file, the one place kreboot holds libelf: a kernel image's
/// headers (KexecCore) and a dump's notes (Kdump) are read through it. `elf_begin` reads with pread(2), never
/// mmap (/proc/vmcore is read this way); `deinit` calls `elf_end`. The descriptor stays owned by the caller and
/// must outlive this value. Everything it hands out is a Swift value; errors name the file.
public struct ElfFile: ~Copyable {
    private let elf: OpaquePointer
    /// The file as messages name it.
    public let displayPath: String

    /// Starts libelf on `descriptor`. Throws `.unavailable` when libelf is too old, `.badData` when the file
    /// is not ELF.
    /// The corresponding C functions are `elf_version` and `elf_begin(fd, ELF_C_READ, NULL)`.
    public init(descriptor: Int32, displayPath: String) throws(SystemError) {
        guard elf_version(UInt32(EV_CURRENT)) != UInt32(EV_NONE) else {
            throw SystemError(.unavailable, path: displayPath, "\(displayPath): libelf is out of date: \(Self.lastError())")
        }
        guard let elf = elf_begin(descriptor, ELF_C_READ, nil) else {
            throw SystemError(.badData, path: displayPath, "\(displayPath): not readable as ELF: \(Self.lastError())")
        }
        guard elf_kind(elf) == ELF_K_ELF else {
            elf_end(elf)
            throw SystemError(.badData, path: displayPath, "\(displayPath): not an ELF file")
        }
        self.elf = elf
        self.displayPath = displayPath
    }

    deinit { elf_end(elf) }

    /// The file header. The corresponding C function is `gelf_getehdr`.
    public func header() throws(SystemError) -> ElfHeader {
        var ehdr = GElf_Ehdr()
        guard gelf_getehdr(elf, &ehdr) != nil else {
            throw bad("truncated or corrupt ELF header: \(Self.lastError())")
        }
        return ElfHeader(fileClass: ehdr.e_ident.4, dataEncoding: ehdr.e_ident.5, type: ehdr.e_type,
                         machine: ehdr.e_machine, entry: ehdr.e_entry,
                         programHeaderOffset: ehdr.e_phoff, programHeaderCount: ehdr.e_phnum,
                         programHeaderEntrySize: ehdr.e_phentsize, sectionHeaderOffset: ehdr.e_shoff,
                         sectionHeaderCount: ehdr.e_shnum, sectionHeaderEntrySize: ehdr.e_shentsize)
    }

    /// Every program header, in table order (extended numbering included).
    /// The corresponding C functions are `elf_getphdrnum` and `gelf_getphdr`.
    public func programHeaders() throws(SystemError) -> [ElfProgramHeader] {
        var count = 0
        guard elf_getphdrnum(elf, &count) == 0 else {
            throw bad("corrupt program headers: \(Self.lastError())")
        }
        var headers: [ElfProgramHeader] = []
        for index in 0..<count {
            var phdr = GElf_Phdr()
            guard let position = Int32(exactly: index), gelf_getphdr(elf, position, &phdr) != nil else {
                throw bad("bad ELF program header \(index): \(Self.lastError())")
            }
            headers.append(ElfProgramHeader(index: index, type: phdr.p_type, flags: phdr.p_flags, offset: phdr.p_offset,
                                            virtualAddress: phdr.p_vaddr, physicalAddress: phdr.p_paddr,
                                            fileSize: phdr.p_filesz, memorySize: phdr.p_memsz, alignment: phdr.p_align))
        }
        return headers
    }

    /// The header of the first section called `name`, or nil when there is none (or no section name table).
    /// The corresponding C functions are `elf_getshdrstrndx`, `elf_nextscn`, `gelf_getshdr` and `elf_strptr`.
    public func section(named name: String) -> ElfSectionHeader? {
        var names = 0
        guard elf_getshdrstrndx(elf, &names) == 0 else { return nil }
        var scn = elf_nextscn(elf, nil)
        while let current = scn {
            var shdr = GElf_Shdr()
            if gelf_getshdr(current, &shdr) != nil, let cName = elf_strptr(elf, names, Int(shdr.sh_name)),
               String(cString: cName) == name {
                return ElfSectionHeader(name: name, type: shdr.sh_type, flags: shdr.sh_flags,
                                        offset: shdr.sh_offset, size: shdr.sh_size)
            }
            scn = elf_nextscn(elf, current)
        }
        return nil
    }

    /// The notes in a `PT_NOTE` segment, in order. Throws `.badData` when the segment lies outside the file.
    /// The corresponding C functions are `elf_getdata_rawchunk` and `gelf_getnote`.
    public func notes(in segment: ElfProgramHeader) throws(SystemError) -> [ElfNote] {
        guard let offset = Int64(exactly: segment.offset), let size = Int(exactly: segment.fileSize),
              let data = elf_getdata_rawchunk(elf, offset, size, ELF_T_NHDR) else {
            throw bad("truncated PT_NOTE at offset \(segment.offset) (\(segment.fileSize) bytes)")
        }
        guard let base = data.pointee.d_buf else { return [] }
        let bytes = UnsafeRawBufferPointer(start: base, count: data.pointee.d_size)
        var notes: [ElfNote] = []
        var position = 0
        while position < bytes.count {
            var nhdr = GElf_Nhdr()
            var nameOffset = 0
            var descriptorOffset = 0
            let next = gelf_getnote(data, position, &nhdr, &nameOffset, &descriptorOffset)
            // gelf_getnote checks the name and descriptor fit the chunk; checked again before slicing.
            guard next != 0, nameOffset + Int(nhdr.n_namesz) <= bytes.count,
                  descriptorOffset + Int(nhdr.n_descsz) <= bytes.count else { break }
            let name = bytes[nameOffset..<(nameOffset + Int(nhdr.n_namesz))].prefix { $0 != 0 }
            let descriptor = bytes[descriptorOffset..<(descriptorOffset + Int(nhdr.n_descsz))]
            notes.append(ElfNote(name: String(decoding: name, as: UTF8.self), type: nhdr.n_type,
                                 descriptor: Array(descriptor)))
            position = next
        }
        return notes
    }

    private func bad(_ message: String) -> SystemError {
        SystemError(.badData, path: displayPath, "\(displayPath): \(message)")
    }

    /// libelf's message for its last error. The corresponding C function is `elf_errmsg(-1)`.
    private static func lastError() -> String {
        guard let message = elf_errmsg(-1) else { return "unknown libelf error" }
        return String(cString: message)
    }
}
