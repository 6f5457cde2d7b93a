import Foundation
import LinuxSystem
import SystemPackage
import Testing

/// `ElfFile` over small ELF64 files written byte by byte, and over this test binary.
@Suite struct ElfFileTests {
    static func le<T: FixedWidthInteger>(_ value: T) -> [UInt8] { withUnsafeBytes(of: value.littleEndian) { Array($0) } }

    /// One note: namesz, descsz, type, then the name and the descriptor, each padded to 4 bytes.
    static func note(_ name: String, type: UInt32, _ descriptor: [UInt8]) -> [UInt8] {
        let nameBytes = Array(name.utf8) + [0]
        func padded(_ b: [UInt8]) -> [UInt8] { b + [UInt8](repeating: 0, count: (4 - b.count % 4) % 4) }
        return le(UInt32(nameBytes.count)) + le(UInt32(descriptor.count)) + le(type) + padded(nameBytes) + padded(descriptor)
    }

    /// An ELF64 little-endian file of `type` with one PT_NOTE segment holding `notes`.
    static func elf(type: UInt16 = 4, machine: UInt16 = 183, notes: [UInt8]) -> [UInt8] {
        var out: [UInt8] = [0x7f, 0x45, 0x4c, 0x46, 2, 1, 1, 0] + [UInt8](repeating: 0, count: 8)
        out += le(type) + le(machine) + le(UInt32(1)) + le(UInt64(0x1000)) + le(UInt64(64)) + le(UInt64(0))
        out += le(UInt32(0)) + le(UInt16(64)) + le(UInt16(56)) + le(UInt16(1)) + le(UInt16(0)) + le(UInt16(0)) + le(UInt16(0))
        out += le(UInt32(4)) + le(UInt32(0)) + le(UInt64(120)) + le(UInt64(0)) + le(UInt64(0))
        out += le(UInt64(notes.count)) + le(UInt64(notes.count)) + le(UInt64(0))
        return out + notes
    }

    /// Opens `bytes` written to a temporary file and runs `body` on it.
    static func withFile<R>(_ bytes: [UInt8], _ body: (FileDescriptor, String) throws -> R) throws -> R {
        let path = FileManager.default.temporaryDirectory.path + "/kreboot-elf-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        defer { unlink(path) }
        let fd = try FileDescriptor.open(FilePath(path), .readOnly, options: [.closeOnExec])
        defer { try? fd.close() }
        return try body(fd, path)
    }

    @Test func readsTheHeaderProgramHeadersAndNotesAsValues() throws {
        let notes = Self.note("CORE", type: 1, [1, 2, 3, 4, 5]) + Self.note("VMCOREINFO", type: 0, Array("OSRELEASE=6.1\n".utf8))
        try Self.withFile(Self.elf(notes: notes)) { fd, path in
            let elf = try ElfFile(descriptor: fd.rawValue, displayPath: path)
            let header = try elf.header()
            #expect(header.type == ElfHeader.core && header.is64Bit && !header.isBigEndian)
            #expect(header.machineName == "aarch64" && header.entry == 0x1000)
            let segments = try elf.programHeaders()
            #expect(segments.count == 1 && segments[0].isNote && segments[0].offset == 120)
            let found = try elf.notes(in: segments[0])
            #expect(found == [ElfNote(name: "CORE", type: 1, descriptor: [1, 2, 3, 4, 5]),
                              ElfNote(name: "VMCOREINFO", type: 0, descriptor: Array("OSRELEASE=6.1\n".utf8))])
        }
    }

    @Test func aNoteSegmentBeyondTheFileIsBadDataNamingTheFile() throws {
        let whole = Self.elf(notes: Self.note("VMCOREINFO", type: 0, Array("OSRELEASE=6.1\n".utf8)))
        try Self.withFile(Array(whole.prefix(130))) { fd, path in
            let elf = try ElfFile(descriptor: fd.rawValue, displayPath: path)
            let segment = try #require(try elf.programHeaders().first)
            let error = #expect(throws: SystemError.self) { try elf.notes(in: segment) }
            #expect(error?.code == .badData)
            #expect(error?.message.hasPrefix(path + ": ") == true)
        }
    }

    @Test func textIsNotElf() throws {
        try Self.withFile(Array("not an ELF file at all, just text".utf8)) { fd, path in
            let error = #expect(throws: SystemError.self) { try ElfFile(descriptor: fd.rawValue, displayPath: path) }
            #expect(error?.code == .badData)
        }
    }

    @Test func thisTestBinaryIsAnExecutableForThisMachine() throws {
        var name = utsname()
        uname(&name)
        let machine = withUnsafeBytes(of: name.machine) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
        let fd = try FileDescriptor.open("/proc/self/exe", .readOnly, options: [.closeOnExec])
        defer { try? fd.close() }
        let elf = try ElfFile(descriptor: fd.rawValue, displayPath: "/proc/self/exe")
        let header = try elf.header()
        #expect(header.type == ElfHeader.executable || header.type == ElfHeader.sharedObject)
        #expect(header.machineName == machine)
        #expect(try elf.programHeaders().contains { $0.isLoad })
        #expect(elf.section(named: ".text")?.hasFileBytes == true)
        #expect(elf.section(named: ".no-such-section") == nil)
    }

    @Test func machineNamesFollowClassAndByteOrder() {
        #expect(ElfHeader.machineName(machine: 21, fileClass: 2, dataEncoding: 1) == "ppc64le")
        #expect(ElfHeader.machineName(machine: 21, fileClass: 2, dataEncoding: 2) == "ppc64")
        #expect(ElfHeader.machineName(machine: 243, fileClass: 1, dataEncoding: 1) == "riscv32")
        #expect(ElfHeader.machineName(machine: 9999, fileClass: 2, dataEncoding: 1) == nil)
    }
}
