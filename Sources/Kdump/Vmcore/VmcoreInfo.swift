import KexecCore
import LinuxSystem
import FoundationEssentials

/// What a saved or live kernel dump is: its format, the crashed kernel's architecture and release,
/// when it crashed and its page size — what `kdumpid` tells. `kreboot inspect VMCORE --json` prints it.
public struct VmcoreInfo: Codable, Sendable, Equatable {
    /// The dump formats kreboot recognises.
    public enum Format: String, Codable, Sendable {
        /// An ELF64/ELF32 core: /proc/vmcore itself, `cp` of it, or `makedumpfile -E`.
        case elf
        /// makedumpfile's compressed format ("KDUMP   " signature, struct disk_dump_header).
        case kdumpCompressed = "kdump-compressed"
        /// makedumpfile's flattened stream (`-F`, "makedumpfile" signature), to be rearranged with `-R`.
        case flattened
    }

    /// Always "vmcore", so scripts can tell this JSON from a kernel image's.
    public var kind: String = "vmcore"
    /// The file inspected.
    public var path: String
    public var format: Format
    /// For a flattened stream: the format of the dump it carries.
    public var innerFormat: Format?
    /// The crashed machine's architecture (`x86_64`, `aarch64`, …): ELF e_machine or utsname.machine.
    public var arch: String?
    /// The crashed kernel's release: VMCOREINFO OSRELEASE or utsname.release.
    public var release: String?
    /// VMCOREINFO CRASHTIME: seconds since the epoch.
    public var crashTime: Int64?
    /// The crash time as ISO 8601 (UTC), for people.
    public var crashDate: String?
    /// VMCOREINFO PAGESIZE or the kdump header's block size.
    public var pageSize: Int?
    /// The kdump-compressed header_version.
    public var headerVersion: Int?
    /// The makedumpfile dump level (kdump-compressed sub header).
    public var dumpLevel: Int?
    /// How the pages are compressed (kdump-compressed): zlib, lzo, snappy, zstd, none.
    public var compression: String?
    /// Whether makedumpfile marked the dump incomplete (it ran out of space).
    public var incomplete: Bool?
    /// VMCOREINFO BUILD-ID, when the kernel wrote one.
    public var buildID: String?
    /// The panic line, from the dmesg saved next to the dump (`Kernel panic - not syncing: …`).
    public var panicMessage: String?
    /// The file's size in bytes.
    public var sizeBytes: UInt64

    public init(path: String, format: Format, sizeBytes: UInt64) {
        self.path = path
        self.format = format
        self.sizeBytes = sizeBytes
    }

    /// Fills release, page size, crash time and build id from a parsed VMCOREINFO note.
    mutating func apply(_ note: VmcoreInfoNote) {
        if let value = note.osRelease { release = value }
        if let value = note.pageSize { pageSize = value }
        if let value = note.buildID { buildID = value }
        if let value = note.crashTime {
            crashTime = value
            crashDate = VmcoreInfo.isoDate(value)
        }
    }

    /// Seconds since the epoch as `2026-11-26T15:03:46Z`.
    static func isoDate(_ seconds: Int64) -> String {
        ISOTimestamp.string(from: Date(timeIntervalSince1970: TimeInterval(seconds)))
    }
}

extension VmcoreInfo {
    /// The dump described for people, one `label: value` line each (what `kreboot inspect` prints).
    public var summaryLines: [String] {
        var lines = ["file:         \(path)",
                     "format:       \(format.rawValue)" + (innerFormat.map { " (carrying \($0.rawValue))" } ?? "")]
        if let arch { lines.append("arch:         \(arch)") }
        lines.append("release:      \(release ?? "unknown (no VMCOREINFO)")")
        if let crashTime { lines.append("crash time:   \(crashDate ?? "") (\(crashTime))") }
        if let pageSize { lines.append("page size:    \(pageSize)") }
        if let headerVersion { lines.append("header:       version \(headerVersion)") }
        if let dumpLevel { lines.append("dump level:   \(dumpLevel)") }
        if let compression { lines.append("compression:  \(compression)") }
        if incomplete == true { lines.append("incomplete:   yes (makedumpfile stopped early)") }
        if let buildID { lines.append("build id:     \(buildID)") }
        if let panicMessage { lines.append("panic:        \(panicMessage)") }
        lines.append("size:         \(sizeBytes) bytes")
        return lines
    }
}
