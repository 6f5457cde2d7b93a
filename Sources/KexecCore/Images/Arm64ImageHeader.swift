import LinuxSystem
/// The 64-byte header of an arm64 `Image` (Documentation/arch/arm64/booting.rst).
struct Arm64ImageHeader: Equatable {
    /// Offsets of the header fields.
    enum Offset {
        static let textOffset = 8
        static let imageSize = 16
        static let flags = 24
        static let magic = 56
        /// Bytes of the whole header.
        static let headerEnd = 64
    }

    /// `ARM\x64` at offset 56.
    static let magic: [UInt8] = [0x41, 0x52, 0x4D, 0x64]

    var textOffset: UInt64
    var imageSize: UInt64
    var flags: UInt64
    /// The image also starts with a PE header (EFI stub).
    var hasEFIStub: Bool

    /// Whether `bytes` (the start of a file) carry the arm64 Image magic.
    static func matches(_ bytes: [UInt8]) -> Bool { bytes.matches(magic, at: Offset.magic) }

    init(_ bytes: [UInt8]) {
        textOffset = bytes.le64(Offset.textOffset)
        imageSize = bytes.le64(Offset.imageSize)
        flags = bytes.le64(Offset.flags)
        hasEFIStub = bytes.matches(Array("MZ".utf8), at: 0)
    }

    /// Flags bit 0: the kernel is big-endian.
    var isBigEndian: Bool { flags & 1 != 0 }
    /// Flags bits 1-2: the kernel's page size, when the header states it.
    var pageSize: String? {
        switch (flags >> 1) & 3 {
        case 1: return "4K"
        case 2: return "16K"
        case 3: return "64K"
        default: return nil
        }
    }

    /// Inspects the arm64 Image `file` (whose first bytes are `start`): header fields and, by a bounded scan,
    /// the `Linux version` banner (an Image is not compressed).
    static func inspect(_ file: borrowing ImageFile, start: [UInt8]) throws(SystemError) -> KernelImageInfo {
        guard start.count >= Offset.headerEnd else {
            throw SystemError(.badData, path: file.displayPath,
                                  "\(file.displayPath): truncated: arm64 Image header needs \(Offset.headerEnd) bytes, file has \(file.size)")
        }
        let header = Arm64ImageHeader(start)
        var signed: Bool?
        if header.hasEFIStub {
            // The EFI stub's section table says how long the file must be.
            signed = try PEImage.parse(file, start: start).signed
        }
        let banner = try LinuxVersionBanner.scan(file)
        var details: [String: String] = [
            "textOffset": "0x" + String(header.textOffset, radix: 16),
            "imageSize": String(header.imageSize),
            "endian": header.isBigEndian ? "big" : "little",
            "efiStub": String(header.hasEFIStub),
        ]
        details["pageSize"] = header.pageSize
        details["signed"] = signed.map(String.init)
        return KernelImageInfo(format: .arm64Image, arch: header.isBigEndian ? "aarch64_be" : "aarch64",
                               release: banner?.release, version: banner?.version, details: details)
    }
}
