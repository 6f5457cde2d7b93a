@testable import KexecCore
import LinuxSystem
import KrebootTestSupport
import Foundation

/// Synthetic kernel images for the inspector tests: just enough of each format's headers.
enum TestImages {
    /// A little-endian byte buffer that grows as fields are written at offsets.
    struct Bytes {
        var data: [UInt8]
        init(count: Int) { data = [UInt8](repeating: 0, count: count) }

        mutating func ensure(_ end: Int) { if data.count < end { data += [UInt8](repeating: 0, count: end - data.count) } }
        mutating func put(_ bytes: [UInt8], at offset: Int) {
            ensure(offset + bytes.count)
            data.replaceSubrange(offset..<(offset + bytes.count), with: bytes)
        }
        mutating func put(_ text: String, at offset: Int) { put(Array(text.utf8), at: offset) }
        mutating func u8(_ value: UInt8, at offset: Int) { put([value], at: offset) }
        mutating func u16(_ value: UInt16, at offset: Int) { put((0..<2).map { UInt8(truncatingIfNeeded: value >> (8 * $0)) }, at: offset) }
        mutating func u32(_ value: UInt32, at offset: Int) { put((0..<4).map { UInt8(truncatingIfNeeded: value >> (8 * $0)) }, at: offset) }
        mutating func u64(_ value: UInt64, at offset: Int) { put((0..<8).map { UInt8(truncatingIfNeeded: value >> (8 * $0)) }, at: offset) }
    }

    static let x86Banner = "6.1.0-28-amd64 (debian-kernel@lists.debian.org) #1 SMP PREEMPT_DYNAMIC Debian 6.1.119-1 (2024-11-22)"

    /// A bzImage: 4 setup sectors after the boot sector, a setup header, the version string, `payload` bytes of code.
    static func bzImage(version: String? = x86Banner, protocolVersion: UInt16 = 0x020F, xloadflags: UInt16 = 0x7F,
                        relocatable: Bool = true, payload: Int = 4096, efiStub: Bool = true) -> [UInt8] {
        let setupSects = 4
        var b = Bytes(count: (setupSects + 1) * 512 + payload)
        if efiStub { b.put("MZ", at: 0) }
        b.u8(UInt8(setupSects), at: 0x1F1)
        b.u32(UInt32(payload / 16), at: 0x1F4)
        b.u16(0xAA55, at: 0x1FE)
        b.put("HdrS", at: 0x202)
        b.u16(protocolVersion, at: 0x206)
        if let version {
            b.u16(0x400 - 0x200, at: 0x20E)
            b.put(Array(version.utf8) + [0], at: 0x400)
        }
        b.u8(1, at: 0x211)
        b.u8(relocatable ? 1 : 0, at: 0x234)
        b.u16(xloadflags, at: 0x236)
        return b.data
    }

    /// A 64-bit little-endian ELF executable with one PT_LOAD segment and `.rodata` holding the banner.
    static func elf(machine: UInt16, release: String = "6.1.0-28-amd64", type: UInt16 = 2) -> [UInt8] {
        let rodata = Array("\0\0some strings\0Linux version \(release) (builder@example) #1 SMP\n\0tail".utf8)
        let shstrtab = Array("\0.rodata\0.shstrtab\0".utf8)
        let rodataOffset = 0x100
        let shstrOffset = rodataOffset + rodata.count
        let shOffset = (shstrOffset + shstrtab.count + 7) & ~7
        var b = Bytes(count: shOffset + 3 * 64)
        b.put([0x7F, 0x45, 0x4C, 0x46, 2, 1, 1, 0], at: 0)
        b.u16(type, at: 16)
        b.u16(machine, at: 18)
        b.u32(1, at: 20)
        b.u64(0x1000000, at: 24)
        b.u64(64, at: 32)
        b.u64(UInt64(shOffset), at: 40)
        b.u16(64, at: 52)
        b.u16(56, at: 54)
        b.u16(1, at: 56)
        b.u16(64, at: 58)
        b.u16(3, at: 60)
        b.u16(2, at: 62)
        // PT_LOAD
        b.u32(1, at: 64)
        b.u32(5, at: 68)
        b.u64(UInt64(rodataOffset), at: 72)
        b.u64(0x1000000, at: 80)
        b.u64(0x1000000, at: 88)
        b.u64(UInt64(rodata.count), at: 96)
        b.u64(UInt64(rodata.count), at: 104)
        b.u64(0x1000, at: 112)
        b.put(rodata, at: rodataOffset)
        b.put(shstrtab, at: shstrOffset)
        // Section 1: .rodata (PROGBITS), section 2: .shstrtab (STRTAB); section 0 stays null.
        let s1 = shOffset + 64
        b.u32(1, at: s1)
        b.u32(1, at: s1 + 4)
        b.u64(UInt64(rodataOffset), at: s1 + 24)
        b.u64(UInt64(rodata.count), at: s1 + 32)
        let s2 = shOffset + 128
        b.u32(9, at: s2)
        b.u32(3, at: s2 + 4)
        b.u64(UInt64(shstrOffset), at: s2 + 24)
        b.u64(UInt64(shstrtab.count), at: s2 + 32)
        return b.data
    }

    /// An arm64 Image: the 64-byte header and `size` bytes with the banner at `bannerOffset`.
    static func arm64Image(release: String = "6.1.0-28-arm64", size: Int = 8192, bannerOffset: Int = 4000, flags: UInt64 = 0b0010) -> [UInt8] {
        var b = Bytes(count: size)
        b.u32(0x14000010, at: 0)  // a branch; EFI-stub images start with "MZ" instead
        b.u64(0, at: 8)
        b.u64(UInt64(size) * 2, at: 16)
        b.u64(flags, at: 24)
        b.put([0x41, 0x52, 0x4D, 0x64], at: 56)
        b.put("Linux version \(release) (builder@example) (gcc 12) #1 SMP Debian\n\0", at: bannerOffset)
        return b.data
    }

    /// A PE file (PE32+) with the given machine and sections, contents laid out after the headers.
    static func pe(machine: UInt16, sections: [(String, [UInt8])], header: [UInt8] = [], signed: Bool = false) -> [UInt8] {
        let peOffset = 0x80
        let optionalSize = 0xF0
        let tableOffset = peOffset + 24 + optionalSize
        var b = Bytes(count: tableOffset + sections.count * 40)
        b.put("MZ", at: 0)
        b.put(header, at: 2)
        b.u32(UInt32(peOffset), at: 0x3C)
        b.put([0x50, 0x45, 0, 0], at: peOffset)
        b.u16(machine, at: peOffset + 4)
        b.u16(UInt16(sections.count), at: peOffset + 6)
        b.u16(UInt16(optionalSize), at: peOffset + 20)
        b.u16(0x20B, at: peOffset + 24)
        b.u32(16, at: peOffset + 24 + 108)
        if signed { b.u32(0x100, at: peOffset + 24 + 112 + 32 + 4) }
        var dataOffset = (tableOffset + sections.count * 40 + 511) & ~511
        for (i, (name, contents)) in sections.enumerated() {
            let entry = tableOffset + i * 40
            b.put(Array(name.utf8.prefix(8)), at: entry)
            b.u32(UInt32(contents.count), at: entry + 8)
            b.u32(UInt32(dataOffset), at: entry + 12)
            b.u32(UInt32(contents.count), at: entry + 16)
            b.u32(UInt32(dataOffset), at: entry + 20)
            b.put(contents, at: dataOffset)
            dataOffset = (dataOffset + contents.count + 511) & ~511
        }
        return b.data
    }

    /// A UKI for x86_64 whose `.linux` is a bzImage.
    static func uki(uname: String? = "6.1.0-28-amd64", signed: Bool = false) -> [UInt8] {
        var sections: [(String, [UInt8])] = [
            (".osrel", Array("NAME=\"Debian GNU/Linux\"\nPRETTY_NAME=\"Debian GNU/Linux 12 (bookworm)\"\nVERSION_ID=\"12\"\n".utf8)),
            (".cmdline", Array("root=UUID=1234 ro quiet\0".utf8)),
        ]
        if let uname { sections.append((".uname", Array(uname.utf8))) }
        sections.append((".initrd", [UInt8](repeating: 7, count: 100)))
        sections.append((".linux", bzImage()))
        return pe(machine: 0x8664, sections: sections, signed: signed)
    }

    /// An EFI zboot image for arm64 with a zstd payload (recognised, not inflated).
    static func zboot() -> [UInt8] {
        var b = Bytes(count: 0)
        b.data = pe(machine: 0xAA64, sections: [(".text", [UInt8](repeating: 0x28, count: 2048))])
        let payloadOffset = b.data.count - 2048
        b.put("zimg", at: 4)
        b.u32(UInt32(payloadOffset), at: 8)
        b.u32(2048, at: 12)
        b.put("zstd", at: 24)
        return b.data
    }

    /// Removes a file written by `write` and its directory.
    static func remove(_ path: String) {
        try? FileManager.default.removeItem(atPath: (path as NSString).deletingLastPathComponent)
    }

    /// CRC-32 (IEEE), as gzip stores it.
    static func crc32(_ bytes: [UInt8]) -> UInt32 {
        var crc: UInt32 = 0xFFFF_FFFF
        for byte in bytes {
            crc ^= UInt32(byte)
            for _ in 0..<8 { crc = (crc >> 1) ^ (crc & 1 == 1 ? 0xEDB8_8320 : 0) }
        }
        return ~crc
    }

    /// `bytes` as a gzip stream of stored (uncompressed) deflate blocks: valid gzip without a compressor.
    static func gzip(_ bytes: [UInt8]) -> [UInt8] {
        var out: [UInt8] = [0x1F, 0x8B, 8, 0, 0, 0, 0, 0, 0, 3]
        var offset = 0
        repeat {
            let count = min(65535, bytes.count - offset)
            let final: UInt8 = offset + count == bytes.count ? 1 : 0
            out.append(final)
            out += [UInt8(count & 0xFF), UInt8(count >> 8), UInt8(~count & 0xFF), UInt8((~count >> 8) & 0xFF)]
            out += bytes[offset..<(offset + count)]
            offset += count
        } while offset < bytes.count
        var b = Bytes(count: 8)
        b.u32(crc32(bytes), at: 0)
        b.u32(UInt32(truncatingIfNeeded: bytes.count), at: 4)
        return out + b.data
    }

    /// An EFI zboot image for arm64 whose payload is `payload` (gzip).
    static func zboot(payload: [UInt8]) -> [UInt8] {
        var b = Bytes(count: 0)
        b.data = pe(machine: 0xAA64, sections: [(".text", payload)])
        let payloadOffset = (b.data.count - payload.count)
        b.put("zimg", at: 4)
        b.u32(UInt32(payloadOffset), at: 8)
        b.u32(UInt32(payload.count), at: 12)
        b.put("gzip", at: 24)
        return b.data
    }

    /// Writes `bytes` to a new file in a fresh temporary directory and returns its path.
    static func write(_ bytes: [UInt8], name: String = "vmlinuz") throws -> String {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("kreboot-images-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        let url = dir.appendingPathComponent(name)
        try Data(bytes).write(to: url)
        return url.path
    }
}
