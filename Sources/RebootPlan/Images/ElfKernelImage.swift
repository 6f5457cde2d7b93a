internal import CElf

/// An ELF `vmlinux`, read through libelf: machine, class, byte order, and the banner in `.rodata`.
struct ElfKernelImage {
    static let magic: [UInt8] = [0x7F, 0x45, 0x4C, 0x46]

    /// Whether `bytes` (the start of a file) begin with `\x7fELF`.
    static func matches(_ bytes: [UInt8]) -> Bool { bytes.matches(magic, at: 0) }

    /// uname(2)'s word for an ELF machine, class (1: 32-bit, 2: 64-bit) and byte order (1: little, 2: big).
    static func arch(machine: Int32, elfClass: Int32, data: Int32) -> String? {
        let little = data == 1
        switch machine {
        case 62: return "x86_64"
        case 3: return "i386"
        case 183: return little ? "aarch64" : "aarch64_be"
        case 40: return "armv7l"
        case 243: return elfClass == 2 ? "riscv64" : "riscv32"
        case 21: return little ? "ppc64le" : "ppc64"
        case 20: return "ppc"
        case 22: return "s390x"
        case 258: return "loongarch64"
        case 8: return elfClass == 2 ? "mips64" : "mips"
        default: return nil
        }
    }

    /// Inspects the ELF `file`: the ELF header through libelf, bounds of the section and program headers, and the
    /// `Linux version` banner from `.rodata` (a bounded scan).
    static func inspect(_ file: borrowing ImageFile, start: [UInt8]) throws(RebootPlanError) -> KernelImageInfo {
        let name = file.displayPath
        let handle = try ElfHandle(fd: file.fd.rawValue, displayPath: name)
        var ehdr = GElf_Ehdr()
        guard gelf_getehdr(handle.elf, &ehdr) != nil else {
            throw RebootPlanError(.badData, path: name, "\(name): bad ELF header: \(ElfHandle.lastError())")
        }
        let elfClass = Int32(ehdr.e_ident.4)
        let data = Int32(ehdr.e_ident.5)
        guard ehdr.e_type == UInt16(ET_EXEC) || ehdr.e_type == UInt16(ET_DYN) else {
            let kind = ehdr.e_type == UInt16(ET_REL) ? "a relocatable object" : ehdr.e_type == UInt16(ET_CORE) ? "a core dump" : "type \(ehdr.e_type)"
            throw RebootPlanError(.badData, path: name, "\(name): ELF file is \(kind), not an executable kernel")
        }
        guard let arch = arch(machine: Int32(ehdr.e_machine), elfClass: elfClass, data: data) else {
            throw RebootPlanError(.badData, path: name, "\(name): ELF file for unknown machine \(ehdr.e_machine)")
        }
        let shEnd = try FileArithmetic.add(ehdr.e_shoff, UInt64(ehdr.e_shnum) * UInt64(ehdr.e_shentsize), file: name, field: "ELF section header table (e_shoff)")
        let phEnd = try FileArithmetic.add(ehdr.e_phoff, UInt64(ehdr.e_phnum) * UInt64(ehdr.e_phentsize), file: name, field: "ELF program header table (e_phoff)")
        guard shEnd <= file.size, phEnd <= file.size else {
            throw RebootPlanError(.badData, path: name,
                                  "\(name): truncated: ELF headers end at \(max(shEnd, phEnd)), file has \(file.size) bytes")
        }
        guard ehdr.e_phnum > 0 else {
            throw RebootPlanError(.badData, path: name, "\(name): ELF file has no program headers: nothing to load")
        }
        for index in 0..<Int32(ehdr.e_phnum) {
            var phdr = GElf_Phdr()
            guard gelf_getphdr(handle.elf, index, &phdr) != nil else {
                throw RebootPlanError(.badData, path: name, "\(name): bad ELF program header \(index): \(ElfHandle.lastError())")
            }
            guard phdr.p_type == UInt32(PT_LOAD) else { continue }
            let segmentEnd = try FileArithmetic.add(phdr.p_offset, phdr.p_filesz, file: name, field: "ELF segment \(index) (p_offset + p_filesz)")
            if segmentEnd > file.size {
                throw RebootPlanError(.badData, path: name,
                                      "\(name): truncated: ELF segment \(index) ends at \(segmentEnd), file has \(file.size) bytes")
            }
        }
        var banner: LinuxVersionBanner?
        if let rodata = handle.section(named: ".rodata"), rodata.sh_type != UInt32(SHT_NOBITS) {
            let rodataEnd = try FileArithmetic.add(rodata.sh_offset, rodata.sh_size, file: name, field: "ELF section .rodata (sh_offset + sh_size)")
            if rodataEnd > file.size {
                throw RebootPlanError(.badData, path: name, "\(name): truncated: ELF section .rodata ends at \(rodataEnd), file has \(file.size) bytes")
            }
            banner = try LinuxVersionBanner.scan(file, from: rodata.sh_offset, length: rodata.sh_size)
        }
        let details = [
            "class": elfClass == 2 ? "ELF64" : "ELF32",
            "endian": data == 2 ? "big" : "little",
            "machine": String(ehdr.e_machine),
            "entry": "0x" + String(ehdr.e_entry, radix: 16),
        ]
        return KernelImageInfo(format: .elf, arch: arch, release: banner?.release, version: banner?.version, details: details)
    }
}

/// A libelf descriptor over an open file (`elf_begin`), ended in `deinit` (`elf_end`). The file stays owned by the caller.
struct ElfHandle: ~Copyable {
    let elf: OpaquePointer

    /// `elf_version` + `elf_begin(fd, ELF_C_READ)`.
    init(fd: Int32, displayPath: String) throws(RebootPlanError) {
        guard elf_version(UInt32(EV_CURRENT)) != UInt32(EV_NONE) else {
            throw RebootPlanError(.unavailable, path: displayPath, "\(displayPath): libelf is out of date: \(ElfHandle.lastError())")
        }
        guard let elf = elf_begin(fd, ELF_C_READ, nil), elf_kind(elf) == ELF_K_ELF else {
            throw RebootPlanError(.badData, path: displayPath, "\(displayPath): not a readable ELF file: \(ElfHandle.lastError())")
        }
        self.elf = elf
    }

    deinit { elf_end(elf) }

    /// The section header of the first section called `name`.
    func section(named name: String) -> GElf_Shdr? {
        var strndx = 0
        guard elf_getshdrstrndx(elf, &strndx) == 0 else { return nil }
        var scn = elf_nextscn(elf, nil)
        while let current = scn {
            var shdr = GElf_Shdr()
            if gelf_getshdr(current, &shdr) != nil, let cName = elf_strptr(elf, strndx, Int(shdr.sh_name)),
               String(cString: cName) == name {
                return shdr
            }
            scn = elf_nextscn(elf, current)
        }
        return nil
    }

    /// libelf's message for its last error.
    static func lastError() -> String {
        guard let message = elf_errmsg(-1) else { return "unknown libelf error" }
        return String(cString: message)
    }
}
