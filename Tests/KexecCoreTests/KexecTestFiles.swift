@testable import KexecCore
import LinuxSystem
import KrebootTestSupport
import Foundation

/// Temporary files for the KexecCore tests.
enum KexecTestFiles {
    /// A fresh temporary directory.
    static func directory() throws -> String {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("kreboot-kexec-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        return dir.path
    }

    /// Removes a directory made by `directory()`.
    static func remove(_ dir: String) { try? FileManager.default.removeItem(atPath: dir) }

    /// Writes `bytes` to `name` in a fresh directory and returns the path.
    static func file(_ name: String, _ bytes: [UInt8], in dir: String? = nil) throws -> String {
        let path = (try dir ?? directory()) + "/" + name
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        return path
    }

    static func file(_ name: String, _ text: String, in dir: String? = nil) throws -> String {
        try file(name, Array(text.utf8), in: dir)
    }

    /// A minimal UKI: a PE header (no optional header) with `.cmdline`, `.initrd` and `.linux` sections.
    static func uki(linux: [UInt8], initrd: [UInt8], cmdline: String) -> [UInt8] {
        let sections: [(String, [UInt8])] = [(".cmdline", Array(cmdline.utf8)), (".initrd", initrd), (".linux", linux)]
        var bytes = [UInt8](repeating: 0, count: 0x200)
        func put32(_ v: UInt32, _ at: Int) { for i in 0..<4 { bytes[at + i] = UInt8(truncatingIfNeeded: v >> (8 * UInt32(i))) } }
        func put16(_ v: UInt16, _ at: Int) { for i in 0..<2 { bytes[at + i] = UInt8(truncatingIfNeeded: v >> (8 * UInt16(i))) } }
        bytes[0] = 0x4D; bytes[1] = 0x5A
        put32(0x40, 0x3C)
        bytes[0x40] = 0x50; bytes[0x41] = 0x45
        put16(0x8664, 0x44)
        put16(UInt16(sections.count), 0x46)
        var offset = 0x200
        for (i, (name, contents)) in sections.enumerated() {
            let entry = 0x40 + 24 + i * 40
            for (j, c) in name.utf8.enumerated() { bytes[entry + j] = c }
            put32(UInt32(contents.count), entry + 8)
            put32(UInt32(contents.count), entry + 16)
            put32(UInt32(offset), entry + 20)
            offset += contents.count
        }
        for (_, contents) in sections { bytes += contents }
        return bytes
    }

    /// `bytes` (at most 65535) as a gzip member with one stored deflate block.
    static func storedGzip(_ bytes: [UInt8]) -> [UInt8] {
        var crc: UInt32 = 0xFFFF_FFFF
        for byte in bytes {
            crc ^= UInt32(byte)
            for _ in 0..<8 { crc = (crc >> 1) ^ (crc & 1 == 1 ? 0xEDB8_8320 : 0) }
        }
        crc = ~crc
        let n = bytes.count
        let le32: (UInt32) -> [UInt8] = { v in (0..<4).map { UInt8(truncatingIfNeeded: v >> (8 * UInt32($0))) } }
        return [0x1F, 0x8B, 8, 0, 0, 0, 0, 0, 0, 3, 1, UInt8(n & 0xFF), UInt8(n >> 8), UInt8(~n & 0xFF), UInt8((~n >> 8) & 0xFF)]
            + bytes + le32(crc) + le32(UInt32(n))
    }

    static func contents(_ path: String) -> String? {
        FileManager.default.contents(atPath: path).map { String(decoding: $0, as: UTF8.self) }
    }
}
