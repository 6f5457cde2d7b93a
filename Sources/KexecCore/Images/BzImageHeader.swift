import LinuxSystem
/// The x86 boot protocol's setup header of a bzImage (Documentation/arch/x86/boot.rst).
struct BzImageHeader: Equatable {
    /// Offsets in the file, as boot.rst lists them.
    enum Offset {
        static let setupSects = 0x1F1
        static let sysSize = 0x1F4
        static let bootFlag = 0x1FE
        static let header = 0x202
        static let version = 0x206
        static let kernelVersion = 0x20E
        static let loadFlags = 0x211
        static let relocatableKernel = 0x234
        static let xloadFlags = 0x236
        /// Bytes to read to see every field above.
        static let headerEnd = 0x268
    }

    static let bootFlagValue: UInt16 = 0xAA55
    static let magic = Array("HdrS".utf8)
    /// xloadflags bit 0: the kernel has a 64-bit entry point at 0x200 (XLF_KERNEL_64).
    static let xlfKernel64: UInt16 = 1 << 0
    /// xloadflags bit 4: the kernel supports kexec's EFI runtime handover (XLF_EFI_KEXEC).
    static let xlfEFIKexec: UInt16 = 1 << 4

    /// Boot protocol version, e.g. 0x020F for 2.15.
    var protocolVersion: UInt16
    /// Offset of the kernel version string minus 0x200; 0 when there is none.
    var kernelVersionPointer: UInt16
    var loadFlags: UInt8
    var relocatable: Bool
    var xloadFlags: UInt16
    /// The image also starts with a PE header (EFI stub).
    var hasEFIStub: Bool

    /// Whether `bytes` (the start of a file) carry a setup header: boot flag 0xAA55 and `HdrS`.
    static func matches(_ bytes: [UInt8]) -> Bool {
        bytes.le16(Offset.bootFlag) == bootFlagValue && bytes.matches(magic, at: Offset.header)
    }

    /// Parses the header from the first `Offset.headerEnd` bytes of the file.
    init(_ bytes: [UInt8]) {
        protocolVersion = bytes.le16(Offset.version)
        kernelVersionPointer = bytes.le16(Offset.kernelVersion)
        loadFlags = bytes.count > Offset.loadFlags ? bytes[Offset.loadFlags] : 0
        relocatable = protocolVersion >= 0x0205 && bytes.count > Offset.relocatableKernel && bytes[Offset.relocatableKernel] != 0
        xloadFlags = protocolVersion >= 0x020C ? bytes.le16(Offset.xloadFlags) : 0
        hasEFIStub = bytes.matches(Array("MZ".utf8), at: 0)
    }

    /// `2.15` for 0x020F.
    var protocolString: String { "\(protocolVersion >> 8).\(protocolVersion & 0xFF)" }
    /// Whether the kernel has a 64-bit entry point (XLF_KERNEL_64).
    var has64BitEntry: Bool { xloadFlags & BzImageHeader.xlfKernel64 != 0 }
    /// `x86_64` with a 64-bit entry point, else `i386`.
    var arch: String { has64BitEntry ? "x86_64" : "i386" }

    /// Inspects the bzImage `file` (whose first bytes are `start`): header fields and the version string.
    static func inspect(_ file: borrowing ImageFile, start: [UInt8]) throws(SystemError) -> KernelImageInfo {
        guard start.count >= Offset.headerEnd else {
            throw SystemError(.badData, path: file.displayPath,
                                  "\(file.displayPath): truncated: bzImage setup header needs \(Offset.headerEnd) bytes, file has \(file.size)")
        }
        let header = BzImageHeader(start)
        guard header.protocolVersion >= 0x0200 else {
            throw SystemError(.badData, path: file.displayPath,
                                  "\(file.displayPath): bzImage boot protocol \(header.protocolString) is too old")
        }
        let setupSectors = max(Int(start[Offset.setupSects]), 4)
        let setupEnd = UInt64(setupSectors + 1) * 512
        guard file.size > setupEnd else {
            throw SystemError(.badData, path: file.displayPath,
                                  "\(file.displayPath): truncated: bzImage has \(setupSectors) setup sectors but only \(file.size) bytes")
        }
        // syssize counts the protected-mode code in 16-byte paragraphs; a signed image has more after it.
        let expected = setupEnd + UInt64(start.le32(Offset.sysSize)) * 16
        guard file.size >= expected else {
            throw SystemError(.badData, path: file.displayPath,
                                  "\(file.displayPath): truncated: bzImage header says \(expected) bytes, file has \(file.size)")
        }
        var banner: LinuxVersionBanner?
        if header.kernelVersionPointer != 0 {
            let at = UInt64(header.kernelVersionPointer) + 0x200
            let text = try file.read(at: at, count: 256).cString(at: 0, maxLength: 256)
            banner = text.flatMap { LinuxVersionBanner(version: $0) }
        }
        var details: [String: String] = [
            "bootProtocol": header.protocolString,
            "relocatable": String(header.relocatable),
            "entry64": String(header.has64BitEntry),
            "efiStub": String(header.hasEFIStub),
            "loadedHigh": String(header.loadFlags & 1 != 0),
        ]
        if header.hasEFIStub, let pe = try? PEImage.parse(file, start: start) {
            details["signed"] = String(pe.signed)
            if let bytes = pe.signatureBytes { details["signatureBytes"] = String(bytes) }
        }
        if header.protocolVersion >= 0x020C {
            details["xloadflags"] = "0x" + String(header.xloadFlags, radix: 16)
        }
        return KernelImageInfo(format: .bzImage, arch: header.arch, release: banner?.release, version: banner?.version,
                               details: details)
    }
}
