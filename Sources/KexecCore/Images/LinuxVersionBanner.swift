import LinuxSystem
#if canImport(Glibc)
import Glibc
#endif

/// The kernel's `Linux version 6.1.0-28-amd64 (…) #1 SMP …` banner (linux_banner in init/version.c),
/// found by scanning an uncompressed image in bounded chunks.
struct LinuxVersionBanner: Equatable {
    /// Everything after `Linux version ` up to the end of the line.
    var version: String
    /// The first word of `version`: the release (`6.1.0-28-amd64`).
    var release: String

    /// The longest stretch scanned; images larger than this are scanned only this far.
    static let scanLimit: UInt64 = 96 << 20

    private static let needle = Array("Linux version ".utf8)

    /// Parses a version string (`6.1.0-28-amd64 (debian-kernel@…) #1 SMP …`); nil unless it starts with a digit.
    init?(version: String) {
        let trimmed = version.trimmingWhitespace()
        guard let first = trimmed.unicodeScalars.first, ("0"..."9").contains(first),
              let release = trimmed.split(separator: " ").first else { return nil }
        self.version = trimmed
        self.release = String(release)
    }

    /// Whether the version carries a build number (`#1 SMP`): the real linux_banner. Some images also hold a
    /// copy without one (`# SMP`), which gives the same release.
    var hasBuildNumber: Bool {
        guard let hash = version.firstIndex(of: "#") else { return false }
        let next = version.index(after: hash)
        return next < version.endIndex && version[next].isNumber
    }

    /// The first banner in `bytes`, from `start`: `Linux version ` followed by a digit and a space-terminated release.
    static func find(in bytes: [UInt8], from start: Int = 0) -> (banner: LinuxVersionBanner, offset: Int)? {
        var start = start
        while let hit = firstIndex(of: needle, in: bytes, from: start) {
            let textStart = hit + needle.count
            let window = bytes[textStart..<min(bytes.count, textStart + 512)]
            if let end = window.firstIndex(where: { $0 == 0 || $0 == 0x0A }) {
                let text = window[textStart..<end]
                if text.allSatisfy({ $0 >= 0x20 && $0 < 0x7F }), text.contains(0x20),
                   let banner = LinuxVersionBanner(version: String(decoding: text, as: UTF8.self)) {
                    return (banner, hit)
                }
            }
            start = hit + 1
        }
        return nil
    }

    /// Scans `length` bytes of `file` from `offset` (at most `scanLimit`), 1 MiB at a time with overlap, for the
    /// first banner with a build number; else the first banner found.
    static func scan(_ file: borrowing ImageFile, from offset: UInt64 = 0, length: UInt64? = nil) throws(SystemError) -> LinuxVersionBanner? {
        guard offset < file.size else { return nil }
        let end = min(file.size, offset + min(length ?? file.size, scanLimit))
        let chunk = 1 << 20
        let overlap = 600
        var position = offset
        var first: LinuxVersionBanner?
        while position < end {
            let count = Int(min(UInt64(chunk + overlap), end - position))
            let bytes = try file.read(at: position, count: count)
            if bytes.isEmpty { break }
            let isLast = position + UInt64(count) >= end
            var from = 0
            while let (banner, hit) = find(in: bytes, from: from), hit < chunk || isLast {
                if banner.hasBuildNumber { return banner }
                if first == nil { first = banner }
                from = hit + 1
            }
            position += UInt64(chunk)
        }
        return first
    }

    /// The index of the first occurrence of `pattern` in `bytes` at or after `from`.
    private static func firstIndex(of pattern: [UInt8], in bytes: [UInt8], from: Int) -> Int? {
        guard from >= 0, bytes.count - from >= pattern.count else { return nil }
        return bytes.withUnsafeBytes { haystack in
            pattern.withUnsafeBytes { needle in
                let base = haystack.baseAddress!
                var position = from
                let last = haystack.count - needle.count
                while position <= last {
                    guard let hit = memchr(base + position, Int32(pattern[0]), last - position + 1) else { return nil }
                    let offset = UnsafeRawPointer(hit) - base
                    if memcmp(hit, needle.baseAddress!, needle.count) == 0 { return offset }
                    position = offset + 1
                }
                return nil
            }
        }
    }
}
