/// Binary seeds built here: small but well-formed headers of each kernel image and vmcore format.
enum FuzzSeeds {
    static func le<T: FixedWidthInteger>(_ value: T) -> [UInt8] { withUnsafeBytes(of: value.littleEndian) { Array($0) } }
    static func be<T: FixedWidthInteger>(_ value: T) -> [UInt8] { withUnsafeBytes(of: value.bigEndian) { Array($0) } }
    static func put(_ bytes: [UInt8], at offset: Int, in buffer: inout [UInt8]) {
        if buffer.count < offset + bytes.count { buffer += [UInt8](repeating: 0, count: offset + bytes.count - buffer.count) }
        buffer.replaceSubrange(offset..<(offset + bytes.count), with: bytes)
    }

    /// An ELF64 header with one PT_LOAD: `type` 2 (vmlinux) or 4 (core, with a PT_NOTE).
    static func elf(type: UInt16) -> [UInt8] {
        var b = [UInt8](repeating: 0, count: 0x200)
        put([0x7F, 0x45, 0x4C, 0x46, 2, 1, 1], at: 0, in: &b)
        put(le(type) + le(UInt16(62)) + le(UInt32(1)) + le(UInt64(0x1000000)) + le(UInt64(64)) + le(UInt64(0)), at: 16, in: &b)
        put(le(UInt32(0)) + le(UInt16(64)) + le(UInt16(56)) + le(UInt16(1)) + le(UInt16(64)) + le(UInt16(0)) + le(UInt16(0)), at: 48, in: &b)
        let note = le(UInt32(11)) + le(UInt32(16)) + le(UInt32(0)) + Array("VMCOREINFO\0\0".utf8) + Array("OSRELEASE=6.1.0\n".utf8)
        let pType: UInt32 = type == 4 ? 4 : 1
        put(le(pType) + le(UInt32(5)) + le(UInt64(0x100)) + le(UInt64(0)) + le(UInt64(0)) + le(UInt64(note.count)) + le(UInt64(note.count)), at: 64, in: &b)
        put(note, at: 0x100, in: &b)
        put(Array("Linux version 6.1.0-28-amd64 (b@x) #1 SMP\n".utf8), at: 0x180, in: &b)
        return b
    }

    static var images: [[UInt8]] {
        var bz = [UInt8](repeating: 0, count: 0x1400)
        put([4], at: 0x1F1, in: &bz)
        put(le(UInt16(0xAA55)), at: 0x1FE, in: &bz)
        put(Array("HdrS".utf8) + le(UInt16(0x020F)), at: 0x202, in: &bz)
        put(le(UInt16(0x200)), at: 0x20E, in: &bz)
        put(Array("6.1.0-28-amd64 (b@x) #1 SMP\0".utf8), at: 0x400, in: &bz)
        var arm = [UInt8](repeating: 0, count: 0x400)
        put(le(UInt64(0x80000)) + le(UInt64(0x400)) + le(UInt64(0b0010)), at: 8, in: &arm)
        put(Array("ARMd".utf8), at: 0x38, in: &arm)
        put(Array("Linux version 6.1.0-28-arm64 (b@x) #1 SMP\n".utf8), at: 0x200, in: &arm)
        var pe = [UInt8](repeating: 0, count: 0x400)
        put(Array("MZ".utf8), at: 0, in: &pe)
        put(le(UInt32(0x80)), at: 0x3C, in: &pe)
        put([0x50, 0x45, 0, 0] + le(UInt16(0x8664)) + le(UInt16(1)), at: 0x80, in: &pe)
        put(le(UInt16(0xF0)), at: 0x80 + 20, in: &pe)
        put(le(UInt16(0x20B)), at: 0x80 + 24, in: &pe)
        put(Array(".linux\0\0".utf8) + le(UInt32(0x100)) + le(UInt32(0x300)) + le(UInt32(0x100)) + le(UInt32(0x300)), at: 0x80 + 24 + 0xF0, in: &pe)
        return [elf(type: 2), bz, arm, pe]
    }

    static var vmcores: [[UInt8]] {
        let core = elf(type: 4)
        var kdump = [UInt8](repeating: 0, count: 3 * 4096)
        put(Array("KDUMP   ".utf8) + le(Int32(6)), at: 0, in: &kdump)
        put(Array("Linux\0".utf8), at: 12, in: &kdump)
        put(le(Int32(4096)), at: 12 + 6 * 65 + 2 + 16, in: &kdump)
        put(le(UInt64(8192)) + le(UInt64(16)), at: 4096 + 16, in: &kdump)
        put(Array("OSRELEASE=6.1.0\n".utf8), at: 8192, in: &kdump)
        var flat = Array("makedumpfile".utf8) + [UInt8](repeating: 0, count: 4) + be(Int64(1)) + be(Int64(1))
        flat += [UInt8](repeating: 0, count: 4096 - flat.count)
        flat += be(Int64(0)) + be(Int64(core.count)) + core + be(Int64(-1)) + be(Int64(-1))
        return [core, kdump, flat]
    }
}
