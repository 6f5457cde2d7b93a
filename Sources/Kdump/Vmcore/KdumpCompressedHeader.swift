import KexecCore
import LinuxSystem
/// makedumpfile's compressed format: `struct disk_dump_header` (signature "KDUMP   ", header_version,
/// the crashed kernel's `new_utsname`, a timeval, status flags, block_size, …) in the first block and
/// `struct kdump_sub_header` in the next (dump_level; from version 3 the offset and size of the
/// VMCOREINFO copy). Offsets are those of an LP64 machine, as makedumpfile writes them there; integers
/// are in the dumped machine's byte order (big-endian for s390x and ppc64), told apart by header_version.
struct KdumpCompressedHeader: Equatable {
    static let signature = "KDUMP   "
    /// The older diskdump signature with the same header.
    static let diskdumpSignature = "DISKDUMP"

    var headerVersion: Int
    var release: String?
    var machine: String?
    var timestampSeconds: Int64
    var status: UInt32
    var blockSize: Int
    var dumpLevel: Int?
    var vmcoreInfo: VmcoreInfoNote?
    /// Whether the dump's integers are big-endian.
    var bigEndian = false

    // struct disk_dump_header (LP64)
    static let utsnameOffset = 12
    static let utsnameFieldLength = 65
    static let releaseOffset = utsnameOffset + 2 * utsnameFieldLength
    static let machineOffset = utsnameOffset + 4 * utsnameFieldLength
    static let timestampOffset = 408
    static let statusOffset = 424
    static let blockSizeOffset = 428
    /// Bytes of the main header this parser needs.
    static let mainHeaderLength = 464
    // struct kdump_sub_header (LP64)
    static let subDumpLevelOffset = 8
    static let subVmcoreInfoOffset = 32
    static let subVmcoreInfoSizeOffset = 40
    static let subHeaderLength = 48

    /// The compression the status flags name (DUMP_DH_COMPRESSED_*).
    var compression: String {
        if status & 0x1 != 0 { return "zlib" }
        if status & 0x2 != 0 { return "lzo" }
        if status & 0x4 != 0 { return "snappy" }
        if status & 0x20 != 0 { return "zstd" }
        return "none"
    }

    /// DUMP_DH_COMPRESSED_INCOMPLETE: makedumpfile stopped early (e.g. ENOSPC).
    var incomplete: Bool { status & 0x8 != 0 }

    /// Parses the header from `source`; errors name `path`.
    static func parse(_ source: some DumpByteSource, path: String) throws(KexecError) -> KdumpCompressedHeader {
        guard let main = source.read(offset: 0, count: mainHeaderLength) else {
            throw bad(path, "truncated kdump-compressed header (fewer than \(mainHeaderLength) bytes)")
        }
        guard main.hasASCIIPrefix(signature) || main.hasASCIIPrefix(diskdumpSignature) else {
            throw bad(path, "no \"KDUMP   \" signature")
        }
        let littleVersion = main.littleEndian(at: 8, as: Int32.self) ?? 0
        let bigEndian = !(1..<100).contains(littleVersion) && (1..<100).contains(main.bigEndian(at: 8, as: Int32.self) ?? 0)
        func int<T: FixedWidthInteger>(_ bytes: [UInt8], _ offset: Int, _ type: T.Type) -> T? {
            bigEndian ? bytes.bigEndian(at: offset, as: type) : bytes.littleEndian(at: offset, as: type)
        }
        let version = Int(int(main, 8, Int32.self) ?? 0)
        let blockSize = Int(int(main, blockSizeOffset, Int32.self) ?? 0)
        guard version >= 1, version < 100 else { throw bad(path, "implausible kdump header_version \(littleVersion)") }
        guard blockSize >= 512, blockSize <= 1 << 20, blockSize & (blockSize - 1) == 0 else {
            throw bad(path, "implausible kdump block_size \(blockSize)")
        }
        var header = KdumpCompressedHeader(
            headerVersion: version,
            release: main.fixedCString(at: releaseOffset, length: utsnameFieldLength),
            machine: main.fixedCString(at: machineOffset, length: utsnameFieldLength),
            timestampSeconds: int(main, timestampOffset, Int64.self) ?? 0,
            status: int(main, statusOffset, UInt32.self) ?? 0,
            blockSize: blockSize)
        header.bigEndian = bigEndian
        guard let sub = source.read(offset: UInt64(blockSize), count: subHeaderLength) else {
            throw bad(path, "truncated: the kdump sub header at offset \(blockSize) is missing")
        }
        header.dumpLevel = int(sub, subDumpLevelOffset, Int32.self).map { Int($0) }
        if version >= 3,
           let offset = int(sub, subVmcoreInfoOffset, Int64.self),
           let size = int(sub, subVmcoreInfoSizeOffset, UInt64.self),
           offset > 0, size > 0, size < 1 << 20 {
            guard let bytes = source.read(offset: UInt64(offset), count: Int(size)) else {
                throw bad(path, "truncated: VMCOREINFO at offset \(offset) (\(size) bytes) is missing")
            }
            header.vmcoreInfo = VmcoreInfoNote(bytes: bytes)
        }
        return header
    }

    private static func bad(_ path: String, _ message: String) -> KexecError {
        KexecError(.badImage, operation: "inspect", path: path, "\(path): \(message)")
    }
}
