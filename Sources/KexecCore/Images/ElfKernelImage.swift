import LinuxSystem

/// An ELF `vmlinux`, read through LinuxSystem's `ElfFile`: machine, class, byte order, and the banner in `.rodata`.
struct ElfKernelImage {
    static let magic: [UInt8] = [0x7F, 0x45, 0x4C, 0x46]

    /// Whether `bytes` (the start of a file) begin with `\x7fELF`.
    static func matches(_ bytes: [UInt8]) -> Bool { bytes.matches(magic, at: 0) }

    /// Inspects the ELF `file`: the ELF header, bounds of the section and program headers, and the
    /// `Linux version` banner from `.rodata` (a bounded scan).
    static func inspect(_ file: borrowing ImageFile, start: [UInt8]) throws(SystemError) -> KernelImageInfo {
        let name = file.displayPath
        let elf = try ElfFile(descriptor: file.fd.rawValue, displayPath: name)
        let header = try elf.header()
        guard header.type == ElfHeader.executable || header.type == ElfHeader.sharedObject else {
            let kind = header.type == ElfHeader.relocatable ? "a relocatable object"
                : header.type == ElfHeader.core ? "a core dump" : "type \(header.type)"
            throw SystemError(.badData, path: name, "\(name): ELF file is \(kind), not an executable kernel")
        }
        guard let arch = header.machineName else {
            throw SystemError(.badData, path: name, "\(name): ELF file for unknown machine \(header.machine)")
        }
        let shEnd = try FileArithmetic.add(header.sectionHeaderOffset,
                                           UInt64(header.sectionHeaderCount) * UInt64(header.sectionHeaderEntrySize),
                                           file: name, field: "ELF section header table (e_shoff)")
        let phEnd = try FileArithmetic.add(header.programHeaderOffset,
                                           UInt64(header.programHeaderCount) * UInt64(header.programHeaderEntrySize),
                                           file: name, field: "ELF program header table (e_phoff)")
        guard shEnd <= file.size, phEnd <= file.size else {
            throw SystemError(.badData, path: name,
                              "\(name): truncated: ELF headers end at \(max(shEnd, phEnd)), file has \(file.size) bytes")
        }
        guard header.programHeaderCount > 0 else {
            throw SystemError(.badData, path: name, "\(name): ELF file has no program headers: nothing to load")
        }
        for segment in try elf.programHeaders() where segment.isLoad {
            let end = try FileArithmetic.add(segment.offset, segment.fileSize, file: name,
                                             field: "ELF segment \(segment.index) (p_offset + p_filesz)")
            if end > file.size {
                throw SystemError(.badData, path: name,
                                  "\(name): truncated: ELF segment \(segment.index) ends at \(end), file has \(file.size) bytes")
            }
        }
        var banner: LinuxVersionBanner?
        if let rodata = elf.section(named: ".rodata"), rodata.hasFileBytes {
            let rodataEnd = try FileArithmetic.add(rodata.offset, rodata.size, file: name, field: "ELF section .rodata (sh_offset + sh_size)")
            if rodataEnd > file.size {
                throw SystemError(.badData, path: name, "\(name): truncated: ELF section .rodata ends at \(rodataEnd), file has \(file.size) bytes")
            }
            banner = try LinuxVersionBanner.scan(file, from: rodata.offset, length: rodata.size)
        }
        let details = [
            "class": header.is64Bit ? "ELF64" : "ELF32",
            "endian": header.isBigEndian ? "big" : "little",
            "machine": String(header.machine),
            "entry": "0x" + String(header.entry, radix: 16),
        ]
        return KernelImageInfo(format: .elf, arch: arch, release: banner?.release, version: banner?.version, details: details)
    }
}
