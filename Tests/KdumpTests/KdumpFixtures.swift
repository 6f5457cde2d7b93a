@testable import Kdump
import KexecCore
import RebootPlan
import LinuxSystem
import KrebootTestSupport
import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Builds dump files for the kdump tests: ELF64 cores with a VMCOREINFO note, kdump-compressed
/// headers and flattened streams — written byte by byte as the kernel and makedumpfile lay them out.
enum KdumpFixtures {
    static let vmcoreInfoText = "OSRELEASE=6.1.0-28-amd64\nPAGESIZE=4096\nBUILD-ID=abc123\nCRASHTIME=1732632226\nSYMBOL(init_uts_ns)=ffffffff82a12345\n"

    /// A fresh temporary directory.
    static func temporaryDirectory() -> String {
        var template = Array((NSTemporaryDirectory() + "/kreboot-kdump-XXXXXX").utf8CString)
        let path = template.withUnsafeMutableBufferPointer { String(cString: mkdtemp($0.baseAddress!)!) }
        return path
    }

    static func write(_ bytes: [UInt8], to path: String) {
        _ = FileManager.default.createFile(atPath: path, contents: Data(bytes))
    }

    static func le<T: FixedWidthInteger>(_ value: T) -> [UInt8] { withUnsafeBytes(of: value.littleEndian) { Array($0) } }
    static func be<T: FixedWidthInteger>(_ value: T) -> [UInt8] { withUnsafeBytes(of: value.bigEndian) { Array($0) } }

    static func padded(_ bytes: [UInt8], to alignment: Int) -> [UInt8] {
        bytes + [UInt8](repeating: 0, count: (alignment - bytes.count % alignment) % alignment)
    }

    /// One ELF note: namesz, descsz, type, name (NUL-terminated, 4-aligned), desc (4-aligned).
    static func note(name: String, type: UInt32, desc: [UInt8]) -> [UInt8] {
        let nameBytes = Array(name.utf8) + [0]
        return le(UInt32(nameBytes.count)) + le(UInt32(desc.count)) + le(type) + padded(nameBytes, to: 4) + padded(desc, to: 4)
    }

    /// An ELF64 little-endian core: a PT_NOTE (CORE/PRSTATUS and, unless nil, VMCOREINFO) and a PT_LOAD.
    static func elfCore(machine: UInt16 = 62, vmcoreInfo: String? = vmcoreInfoText, type: UInt16 = 4) -> [UInt8] {
        var notes = note(name: "CORE", type: 1, desc: [UInt8](repeating: 0, count: 336))
        if let vmcoreInfo { notes += note(name: "VMCOREINFO", type: 0, desc: Array(vmcoreInfo.utf8)) }
        let load = [UInt8](repeating: 0xab, count: 4096)
        let phnum: UInt16 = 2
        let notesOffset = UInt64(64 + 56 * Int(phnum))
        let loadOffset = notesOffset + UInt64(notes.count)
        var out: [UInt8] = [0x7f, 0x45, 0x4c, 0x46, 2, 1, 1, 0] + [UInt8](repeating: 0, count: 8)
        out += le(type) + le(machine) + le(UInt32(1)) + le(UInt64(0)) + le(UInt64(64)) + le(UInt64(0))
        out += le(UInt32(0)) + le(UInt16(64)) + le(UInt16(56)) + le(phnum) + le(UInt16(0)) + le(UInt16(0)) + le(UInt16(0))
        // PT_NOTE
        out += le(UInt32(4)) + le(UInt32(0)) + le(notesOffset) + le(UInt64(0)) + le(UInt64(0))
        out += le(UInt64(notes.count)) + le(UInt64(notes.count)) + le(UInt64(0))
        // PT_LOAD
        out += le(UInt32(1)) + le(UInt32(7)) + le(loadOffset) + le(UInt64(0xffff_8880_0000_0000)) + le(UInt64(0x100000))
        out += le(UInt64(load.count)) + le(UInt64(load.count)) + le(UInt64(0))
        return out + notes + load
    }

    /// A kdump-compressed file: disk_dump_header in block 0, kdump_sub_header in block 1, VMCOREINFO
    /// in block 2 (header_version ≥ 3).
    static func kdumpCompressed(release: String = "6.1.0-28-amd64", machine: String = "x86_64", version: Int32 = 6,
                                status: UInt32 = 0x2, blockSize: Int32 = 4096, dumpLevel: Int32 = 31,
                                vmcoreInfo: String = vmcoreInfoText, signature: String = "KDUMP   ",
                                bigEndian: Bool = false) -> [UInt8] {
        func le<T: FixedWidthInteger>(_ value: T) -> [UInt8] { bigEndian ? KdumpFixtures.be(value) : KdumpFixtures.le(value) }
        var block0 = [UInt8](repeating: 0, count: Int(blockSize))
        func put(_ bytes: [UInt8], _ offset: Int) { block0.replaceSubrange(offset..<(offset + bytes.count), with: bytes) }
        put(Array(signature.utf8), 0)
        put(le(version), 8)
        put(Array("Linux".utf8), 12)
        put(Array("guest".utf8), 12 + 65)
        put(Array(release.utf8), 12 + 130)
        put(Array("#1 SMP Debian".utf8), 12 + 195)
        put(Array(machine.utf8), 12 + 260)
        put(le(Int64(1_732_632_300)), 408)
        put(le(status), 424)
        put(le(blockSize), 428)
        put(le(Int32(1)), 432)
        var block1 = [UInt8](repeating: 0, count: Int(blockSize))
        func putSub(_ bytes: [UInt8], _ offset: Int) { block1.replaceSubrange(offset..<(offset + bytes.count), with: bytes) }
        let info = Array(vmcoreInfo.utf8)
        putSub(le(dumpLevel), 8)
        putSub(le(Int64(2 * Int(blockSize))), 32)
        putSub(le(UInt64(info.count)), 40)
        return block0 + block1 + padded(info, to: Int(blockSize))
    }

    /// makedumpfile's flattened stream of `dump`: header, then records of `recordSize` bytes, then the end mark.
    static func flattened(_ dump: [UInt8], recordSize: Int = 3000) -> [UInt8] {
        var out = padded(Array("makedumpfile".utf8), to: 16) + be(Int64(1)) + be(Int64(1))
        out += [UInt8](repeating: 0, count: 4096 - out.count)
        var offset = 0
        while offset < dump.count {
            let size = min(recordSize, dump.count - offset)
            out += be(Int64(offset)) + be(Int64(size)) + dump[offset..<(offset + size)]
            offset += size
        }
        return out + be(Int64(-1)) + be(Int64(-1))
    }
}

extension KdumpFixtures {
    /// A 64 MiB ELF vmcore real makedumpfile accepts: VMCOREINFO with the symbols it needs
    /// (init_uts_ns with a utsname, init_top_pgt with page tables mapping the kernel text and the
    /// direct map, a flat mem_map), one PT_LOAD of physical memory. Written sparse.
    static func writeSyntheticKernelVmcore(to path: String) throws {
        let info = """
            OSRELEASE=6.1.0-28-amd64
            PAGESIZE=4096
            CRASHTIME=1732632226
            SYMBOL(init_uts_ns)=ffffffff81000000
            OFFSET(uts_namespace.name)=0
            SYMBOL(init_top_pgt)=ffffffff82000000
            NUMBER(phys_base)=0
            SYMBOL(mem_map)=ffffffff81100000
            SIZE(page)=64
            OFFSET(page.flags)=0
            OFFSET(page._refcount)=52
            OFFSET(page.mapping)=24
            OFFSET(page.lru)=8
            OFFSET(page._mapcount)=48
            OFFSET(page.private)=40
            OFFSET(page.compound_dtor)=16
            OFFSET(page.compound_order)=17
            OFFSET(page.compound_head)=8
            KERNELOFFSET=0
            NUMBER(pgtable_l5_enabled)=0

            """
        let notes = note(name: "CORE", type: 1, desc: [UInt8](repeating: 0, count: 336))
            + note(name: "VMCOREINFO", type: 0, desc: Array(info.utf8))
        let phnum: UInt16 = 2
        let notesOffset = UInt64(64 + 56 * Int(phnum))
        let loadOffset: UInt64 = 8192
        let memSize: UInt64 = 64 << 20
        var head: [UInt8] = [0x7f, 0x45, 0x4c, 0x46, 2, 1, 1, 0] + [UInt8](repeating: 0, count: 8)
        head += le(UInt16(4)) + le(UInt16(62)) + le(UInt32(1)) + le(UInt64(0)) + le(UInt64(64)) + le(UInt64(0))
        head += le(UInt32(0)) + le(UInt16(64)) + le(UInt16(56)) + le(phnum) + le(UInt16(0)) + le(UInt16(0)) + le(UInt16(0))
        head += le(UInt32(4)) + le(UInt32(0)) + le(notesOffset) + le(UInt64(0)) + le(UInt64(0))
        head += le(UInt64(notes.count)) + le(UInt64(notes.count)) + le(UInt64(0))
        head += le(UInt32(1)) + le(UInt32(7)) + le(loadOffset) + le(UInt64(0xffff_8880_0000_0000)) + le(UInt64(0))
        head += le(memSize) + le(memSize) + le(UInt64(4096))
        head += notes

        var writes: [(UInt64, [UInt8])] = [(0, head)]
        let uts = ["Linux", "guest", "6.1.0-28-amd64", "#1 SMP PREEMPT_DYNAMIC Debian", "x86_64", "(none)"]
            .flatMap { Array($0.utf8) + [UInt8](repeating: 0, count: 65 - $0.utf8.count) }
        writes.append((0x100_0000, uts))
        writes.append((0x10_0000, [UInt8](repeating: 0x11, count: 4096)))
        writes.append((0x110_0000, le(UInt64(0xffff_8880_0280_0000))))  // mem_map → phys 0x2800000
        let pml4: UInt64 = 0x200_0000, pdpt: UInt64 = 0x200_1000, pd: UInt64 = 0x200_2000
        let pdpt2: UInt64 = 0x200_3000, pd2: UInt64 = 0x200_4000
        writes.append((pml4 + 511 * 8, le(pdpt | 0x63)))
        writes.append((pdpt + 510 * 8, le(pd | 0x63)))
        writes.append((pml4 + 273 * 8, le(pdpt2 | 0x63)))
        writes.append((pdpt2, le(pd2 | 0x63)))
        var table: [UInt8] = []
        for i in 0..<UInt64(32) { table += le((i << 21) | 0xe3) }  // 2 MiB pages
        writes.append((pd, table))
        writes.append((pd2, table))

        guard FileManager.default.createFile(atPath: path, contents: nil),
              let handle = FileHandle(forWritingAtPath: path) else { throw CocoaError(.fileWriteUnknown) }
        defer { try? handle.close() }
        for (offset, bytes) in writes {
            try handle.seek(toOffset: offset == 0 ? 0 : loadOffset + offset)
            try handle.write(contentsOf: Data(bytes))
        }
        try handle.truncate(atOffset: loadOffset + memSize)
    }
}
