import Foundation
import Testing
@testable import KexecCore
@testable import LinuxSystem

/// Numbers near 2^64 in kernel image headers and /proc files are errors naming the file and the field
/// (or "not known"), never a trap.
@Suite struct CheckedArithmeticTests {
    static func u64(_ value: UInt64, at offset: Int, in bytes: inout [UInt8]) {
        for k in 0..<8 { bytes[offset + k] = UInt8(truncatingIfNeeded: value >> (8 * UInt64(k))) }
    }

    static func inspect(_ bytes: [UInt8]) throws -> Result<KernelImageInfo, SystemError> {
        let path = try TestImages.write(bytes)
        defer { TestImages.remove(path) }
        return KernelImageInspector.inspect(hostPath: path, displayPath: "/boot/vmlinux")
    }

    static func message(_ result: Result<KernelImageInfo, SystemError>) -> String? {
        if case .failure(let error) = result { return error.message }
        return nil
    }

    @Test func elfSectionHeaderOffsetNear2to64() throws {
        var image = TestImages.elf(machine: 62)
        Self.u64(UInt64.max - 16, at: 40, in: &image)
        let message = Self.message(try Self.inspect(image))
        #expect(message?.hasPrefix("/boot/vmlinux: ") == true)
    }

    @Test func elfSegmentOffsetPlusSizeOverflows() throws {
        var image = TestImages.elf(machine: 62)
        Self.u64(UInt64.max - 8, at: 72, in: &image)
        let message = Self.message(try Self.inspect(image))
        #expect(message?.hasPrefix("/boot/vmlinux: truncated: ELF segment 0 ends at beyond 2^64") == true, "\(message ?? "nil")")
    }

    @Test func elfRodataPastTheEnd() throws {
        var image = TestImages.elf(machine: 62)
        let shOffset = Int(image[40]) | Int(image[41]) << 8
        Self.u64(1 << 63, at: shOffset + 64 + 24, in: &image)
        let result = try Self.inspect(image)
        #expect(Self.message(result)?.hasPrefix("/boot/vmlinux: ") == true)
    }

    @Test func procNumbersNear2to64AreNotKnownNotATrap() {
        #expect(KernelStateReader.parseMemTotal("MemTotal: 18446744073709551615 kB\n") == nil)
        #expect(KernelStateReader.parseMemTotal("MemTotal: 1024 kB\n") == 1 << 20)
        #expect(CrashRegion(start: 0, end: .max).size == .max)
        #expect(KernelStateReader.parseCrashRegions("0-ffffffffffffffff : Crash kernel\n").first?.size == .max)
    }

    @Test func fileArithmeticNamesFileAndField() {
        let error = #expect(throws: SystemError.self) {
            try FileArithmetic.add(.max, 1, file: "/x", field: "e_shoff")
        }
        #expect(error?.message == "/x: impossible e_shoff: 18446744073709551615 + 1 overflows 64 bits")
        #expect(error?.code == .badData)
        #expect(throws: SystemError.self) { try FileArithmetic.int(.max, file: "/x", field: "size") }
    }

    @Test func imageCutInsideItsSignatureIsNotSigned() throws {
        var image = TestImages.uki(signed: true)
        let directory = 0x80 + 24 + 112 + 32
        let cut = UInt32(image.count - 16)
        for k in 0..<4 { image[directory + k] = UInt8(truncatingIfNeeded: cut >> (8 * UInt32(k))) }
        let info = try Self.inspect(image).get()
        #expect(info.details["signed"] == "false")
    }
}
