import KexecCore
import LinuxSystem
/// makedumpfile's flattened format (`makedumpfile -F`, for piping over ssh): a 4096-byte header
/// (`struct makedumpfile_header`: signature "makedumpfile", type 1, version 1, big-endian), then records
/// of `struct makedumpfile_data_header` (big-endian offset and size) each followed by its bytes, which
/// `makedumpfile -R` would write at that offset. This reader keeps the records that land in the first
/// `window` bytes of the rearranged dump, enough to read its headers, and serves them as a byte source.
struct FlattenedDumpReader: DumpByteSource {
    static let signature = "makedumpfile"
    static let headerSize: UInt64 = 4096
    static let flatType: Int64 = 1

    /// Rearranged bytes we hold: (offset in the dump, bytes).
    private(set) var pieces: [(offset: UInt64, bytes: [UInt8])] = []

    /// Scans the stream's records (at most `maxRecords`) keeping those below `window`. A record whose size
    /// runs past the end of the stream (`fileSize`) is an error; at most `window` bytes are held in all.
    init(_ file: some DumpByteSource, path: String, fileSize: UInt64 = .max, window: UInt64 = 16 << 20,
         maxRecords: Int = 4096) throws(KexecError) {
        guard let header = file.read(offset: 0, count: 32) else {
            throw FlattenedDumpReader.bad(path, "truncated flattened header")
        }
        guard header.hasASCIIPrefix(FlattenedDumpReader.signature) else {
            throw FlattenedDumpReader.bad(path, "no \"makedumpfile\" signature")
        }
        let type = header.bigEndian(at: 16, as: Int64.self) ?? 0
        guard type == FlattenedDumpReader.flatType else {
            throw FlattenedDumpReader.bad(path, "makedumpfile header of unknown type \(type)")
        }
        var position = FlattenedDumpReader.headerSize
        var held: UInt64 = 0
        for _ in 0..<maxRecords {
            guard let record = file.read(offset: position, count: 16) else { break }
            let offset = record.bigEndian(at: 0, as: Int64.self) ?? -1
            let size = record.bigEndian(at: 8, as: Int64.self) ?? -1
            if offset < 0 || size < 0 { break }  // END_FLAG_FLAT_HEADER
            position += 16
            guard UInt64(size) <= fileSize - min(fileSize, position) else {
                throw FlattenedDumpReader.bad(path, "impossible flattened record at \(position - 16): size \(size) is past the end of the file (\(fileSize) bytes)")
            }
            if UInt64(offset) < window, size <= 1 << 24, held + UInt64(size) <= window {
                guard let bytes = file.read(offset: position, count: Int(size)) else {
                    throw FlattenedDumpReader.bad(path, "truncated flattened record at \(position - 16)")
                }
                pieces.append((UInt64(offset), bytes))
                held += UInt64(size)
            }
            position += UInt64(size)
        }
        if pieces.isEmpty { throw FlattenedDumpReader.bad(path, "flattened stream without data records") }
    }

    func read(offset: UInt64, count: Int) -> [UInt8]? {
        let (end, overflow) = offset.addingReportingOverflow(UInt64(max(0, count)))
        guard count >= 0, !overflow, count <= 1 << 24 else { return nil }
        var result = [UInt8](repeating: 0, count: count)
        var covered = [Bool](repeating: false, count: count)
        for piece in pieces {
            let pieceEnd = piece.offset + UInt64(piece.bytes.count)
            guard piece.offset < end, pieceEnd > offset else { continue }
            let from = max(offset, piece.offset)
            let to = min(end, pieceEnd)
            for position in from..<to {
                result[Int(position - offset)] = piece.bytes[Int(position - piece.offset)]
                covered[Int(position - offset)] = true
            }
        }
        return covered.allSatisfy { $0 } ? result : nil
    }

    /// Every byte held, for searching text (a VMCOREINFO block) in a flattened ELF dump.
    var allBytes: [UInt8] { pieces.flatMap { $0.bytes } }

    private static func bad(_ path: String, _ message: String) -> KexecError {
        KexecError(.badImage, operation: "inspect", path: path, "\(path): \(message)")
    }
}
