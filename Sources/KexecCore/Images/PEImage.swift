import LinuxSystem
/// A PE/COFF image as far as kreboot needs it: the machine and the section table. EFI-stub kernels,
/// unified kernel images (UKI: `.linux`, `.initrd`, `.cmdline`, `.osrel`, `.uname`) and EFI zboot images are PE files.
struct PEImage: Equatable {
    /// One entry of the section table.
    struct Section: Equatable {
        var name: String
        var virtualSize: UInt32
        var fileSize: UInt32
        var fileOffset: UInt32
    }

    static let dosMagic = Array("MZ".utf8)
    static let peMagic: [UInt8] = [0x50, 0x45, 0, 0]
    /// `zimg` at offset 4 marks an EFI zboot image (drivers/firmware/efi/libstub/zboot-header.S).
    static let zbootMagic = Array("zimg".utf8)

    /// COFF machine type (IMAGE_FILE_MACHINE_*).
    var machine: UInt16
    var sections: [Section]
    /// Whether the optional header's certificate table (data directory 4) is present: an Authenticode signature.
    var signed: Bool { signatureBytes != nil }
    /// The size of the certificate table (the Authenticode signature) when present and inside the file.
    var signatureBytes: UInt32? = nil

    /// Whether `bytes` (the start of a file) begin with `MZ`.
    static func matches(_ bytes: [UInt8]) -> Bool { bytes.matches(dosMagic, at: 0) }

    /// The section called `name`, if any.
    func section(_ name: String) -> Section? { sections.first { $0.name == name } }

    /// The machine in uname(2) words; nil for machines kreboot does not know.
    var arch: String? { PEImage.arch(machine: machine) }

    /// uname(2)'s word for a COFF machine type.
    static func arch(machine: UInt16) -> String? {
        switch machine {
        case 0x8664: return "x86_64"
        case 0x014C: return "i386"
        case 0xAA64: return "aarch64"
        case 0x01C2, 0x01C4: return "armv7l"
        case 0x5064: return "riscv64"
        case 0x6264: return "loongarch64"
        default: return nil
        }
    }

    /// Reads the PE header and section table of `file` (first bytes `start`); fails when they are missing,
    /// malformed, or point past the end of the file (truncated).
    static func parse(_ file: borrowing ImageFile, start: [UInt8]) throws(SystemError) -> PEImage {
        let name = file.displayPath
        guard start.count >= 0x40 else {
            throw SystemError(.badData, path: name, "\(name): truncated: DOS header needs 64 bytes, file has \(file.size)")
        }
        let peOffset = UInt64(start.le32(0x3C))
        let coff = try file.readExactly(at: peOffset, count: 24, what: "PE header")
        guard coff.matches(peMagic, at: 0) else {
            throw SystemError(.badData, path: name, "\(name): MZ header without a PE signature at offset \(peOffset)")
        }
        let machine = coff.le16(4)
        let count = Int(coff.le16(6))
        let optionalSize = UInt64(coff.le16(20))
        guard count > 0, count <= 96 else {
            throw SystemError(.badData, path: name, "\(name): PE header has \(count) sections")
        }
        let optional = try file.read(at: peOffset + 24, count: Int(optionalSize))
        let signature = Self.certificateTableSize(optional, fileSize: file.size)
        let tableOffset = peOffset + 24 + optionalSize
        let table = try file.readExactly(at: tableOffset, count: count * 40, what: "PE section table")
        var sections: [Section] = []
        for i in 0..<count {
            let entry = Array(table[(i * 40)..<(i * 40 + 40)])
            let sectionName = String(decoding: entry[0..<8].prefix { $0 != 0 }, as: UTF8.self)
            let section = Section(name: sectionName, virtualSize: entry.le32(8), fileSize: entry.le32(16), fileOffset: entry.le32(20))
            if section.fileSize > 0 && UInt64(section.fileOffset) + UInt64(section.fileSize) > file.size {
                throw SystemError(.badData, path: name,
                                      "\(name): truncated: PE section \(sectionName) ends at \(UInt64(section.fileOffset) + UInt64(section.fileSize)), file has \(file.size) bytes")
            }
            sections.append(section)
        }
        return PEImage(machine: machine, sections: sections, signatureBytes: signature)
    }

    /// Whether the optional header's data directory 4 (the certificate table) is non-empty and, with
    /// `fileSize`, lies wholly inside the file (an image cut inside its signature is not signed).
    static func hasCertificateTable(_ optional: [UInt8], fileSize: UInt64 = .max) -> Bool {
        certificateTableSize(optional, fileSize: fileSize) != nil
    }

    /// The certificate table's size when it is non-empty and lies wholly inside a file of `fileSize` bytes.
    static func certificateTableSize(_ optional: [UInt8], fileSize: UInt64 = .max) -> UInt32? {
        let (countOffset, directories): (Int, Int)
        switch optional.le16(0) {
        case 0x10B: (countOffset, directories) = (92, 96)
        case 0x20B: (countOffset, directories) = (108, 112)
        default: return nil
        }
        guard optional.count >= directories + 4 * 8 + 8, optional.le32(countOffset) > 4 else { return nil }
        let offset = UInt64(optional.le32(directories + 4 * 8)), size = optional.le32(directories + 4 * 8 + 4)
        return size > 0 && offset + UInt64(size) <= fileSize ? size : nil
    }

    /// The Authenticode signature size of a PE image embedded in `file` at `base` (`size` bytes: a UKI's `.linux`);
    /// nil when it has no PE header or no signature inside those bytes.
    static func embeddedSignatureBytes(_ file: borrowing ImageFile, base: UInt64, size: UInt64) throws(SystemError) -> UInt32? {
        let head = try file.read(at: base, count: Int(min(size, 4096)))
        guard head.count >= 0x40, head.matches(dosMagic, at: 0) else { return nil }
        let peOffset = UInt64(head.le32(0x3C))
        guard peOffset + 24 <= size else { return nil }
        let coff = try file.read(at: base + peOffset, count: 24)
        guard coff.count == 24, coff.matches(peMagic, at: 0) else { return nil }
        let optional = try file.read(at: base + peOffset + 24, count: Int(coff.le16(20)))
        return certificateTableSize(optional, fileSize: size)
    }

    /// The bytes of `section` (at most `limit`).
    static func contents(of section: Section, in file: borrowing ImageFile, limit: Int = 64 << 10) throws(SystemError) -> [UInt8] {
        let size = min(Int(section.virtualSize == 0 ? section.fileSize : min(section.virtualSize, section.fileSize)), limit)
        return try file.read(at: UInt64(section.fileOffset), count: size)
    }

    /// Inspects a PE file that is neither a bzImage nor an arm64 Image: a UKI (`.linux` section) or an EFI zboot image.
    static func inspect(_ file: borrowing ImageFile, start: [UInt8]) throws(SystemError) -> KernelImageInfo {
        let name = file.displayPath
        let pe = try parse(file, start: start)
        guard let arch = pe.arch else {
            throw SystemError(.badData, path: name, "\(name): PE image for unknown machine 0x\(String(pe.machine, radix: 16))")
        }
        if start.matches(zbootMagic, at: 4) {
            return try inspectZboot(file, start: start, pe: pe, arch: arch)
        }
        guard let linux = pe.section(".linux") else {
            let names = pe.sections.map(\.name).joined(separator: ",")
            throw SystemError(.badData, path: name, "\(name): PE image without a .linux section (sections \(names)): not a kernel or UKI")
        }
        var details: [String: String] = ["sections": pe.sections.map(\.name).joined(separator: ","), "signed": String(pe.signed)]
        if let bytes = pe.signatureBytes { details["signatureBytes"] = String(bytes) }
        // kexec_file_load is given the .linux alone: its own signature is the one the kernel checks.
        let linuxSignature = try embeddedSignatureBytes(file, base: UInt64(linux.fileOffset),
                                                        size: UInt64(linux.virtualSize == 0 ? linux.fileSize : min(linux.virtualSize, linux.fileSize)))
        details["linuxSigned"] = String(linuxSignature != nil)
        if let bytes = linuxSignature { details["linuxSignatureBytes"] = String(bytes) }
        var release: String?
        var version: String?
        if let uname = pe.section(".uname") {
            release = String(decoding: try contents(of: uname, in: file).prefix { $0 != 0 }, as: UTF8.self).trimmingWhitespace()
        }
        if let cmdline = pe.section(".cmdline") {
            details["cmdline"] = String(decoding: try contents(of: cmdline, in: file).prefix { $0 != 0 }, as: UTF8.self).trimmingWhitespace()
        }
        if let osrel = pe.section(".osrel") {
            let text = String(decoding: try contents(of: osrel, in: file).prefix { $0 != 0 }, as: UTF8.self)
            let fields = OSRelease.parse(text)
            details["osRelease"] = fields["PRETTY_NAME"] ?? fields["NAME"]
        }
        // The embedded kernel: a bzImage carries its version in the setup header; others are scanned.
        let head = try file.read(at: UInt64(linux.fileOffset), count: min(Int(linux.fileSize), 4096))
        if BzImageHeader.matches(head) {
            let header = BzImageHeader(head)
            if header.kernelVersionPointer != 0, UInt32(header.kernelVersionPointer) + 0x200 < linux.fileSize {
                let text = try file.read(at: UInt64(linux.fileOffset) + UInt64(header.kernelVersionPointer) + 0x200, count: 256)
                    .cString(at: 0, maxLength: 256)
                version = text.flatMap { LinuxVersionBanner(version: $0)?.version }
                if release == nil { release = text.flatMap { LinuxVersionBanner(version: $0)?.release } }
            }
            details["linux"] = "bzImage"
        } else {
            if Arm64ImageHeader.matches(head) { details["linux"] = "arm64-image" }
            if let banner = try LinuxVersionBanner.scan(file, from: UInt64(linux.fileOffset), length: UInt64(linux.fileSize)) {
                version = banner.version
                if release == nil { release = banner.release }
            }
        }
        if release?.isEmpty == true { release = nil }
        return KernelImageInfo(format: .uki, arch: arch, release: release, version: version, details: details)
    }

    /// An EFI zboot image: a PE decompressor around a compressed Image. Recognised, not decompressed.
    private static func inspectZboot(_ file: borrowing ImageFile, start: [UInt8], pe: PEImage, arch: String) throws(SystemError) -> KernelImageInfo {
        let name = file.displayPath
        let payloadOffset = UInt64(start.le32(8))
        let payloadSize = UInt64(start.le32(12))
        guard payloadOffset + payloadSize <= file.size else {
            throw SystemError(.badData, path: name,
                                  "\(name): truncated: EFI zboot payload ends at \(payloadOffset + payloadSize), file has \(file.size) bytes")
        }
        guard arch == "aarch64" else {
            throw SystemError(.badData, path: name, "\(name): EFI zboot image for \(arch) is not supported")
        }
        let compression = start.cString(at: 24, maxLength: 32) ?? "unknown"
        return KernelImageInfo(format: .arm64Image, arch: arch, details: [
            "zboot": "true", "compression": compression, "payloadOffset": String(payloadOffset), "payloadSize": String(payloadSize),
        ])
    }
}

/// os-release(5) text as a dictionary, quotes removed.
public enum OSRelease {
    /// `KEY=value` lines, with one level of single or double quotes removed; comments and blank lines skipped.
    public static func parse(_ text: String) -> [String: String] {
        var result: [String: String] = [:]
        for line in text.split(separator: "\n") {
            let trimmed = line.trimmingWhitespace()
            guard !trimmed.hasPrefix("#"), let eq = trimmed.firstIndex(of: "=") else { continue }
            var value = String(trimmed[trimmed.index(after: eq)...])
            if value.count >= 2, let q = value.first, q == "\"" || q == "'", value.last == q {
                value = String(value.dropFirst().dropLast())
            }
            result[String(trimmed[..<eq])] = value
        }
        return result
    }
}
