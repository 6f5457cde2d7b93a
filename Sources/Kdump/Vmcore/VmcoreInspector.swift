import KexecCore
import LinuxSystem
import RebootPlan

/// Identifies kernel dumps: ELF cores through libelf (the VMCOREINFO note), makedumpfile's
/// kdump-compressed header and its flattened stream. `kreboot inspect FILE` routes here when
/// `recognises(path:)` says the file is a dump.
public enum VmcoreInspector {
    /// The file next to a dump that holds its kernel log (`makedumpfile --dump-dmesg`).
    public static let dmesgFileName = "dmesg.txt"

    /// Whether the file (under `root`, through the gateway) starts like a kernel dump: an ELF core,
    /// "KDUMP   "/"DISKDUMP", or "makedumpfile".
    public static func recognises(root: RootDirectory = RootDirectory(), path: String) -> Bool {
        guard let source = try? FileByteSource(root: root, path: path, operation: "inspect"),
              let head = source.read(offset: 0, count: 18) else { return false }
        return signatureFormat(head) != nil
    }

    /// Reads the dump's format, architecture, release, crash time and page size; `path` is opened under
    /// `root` through the gateway (a FIFO or a device is refused). Errors are `.badImage` (exit 65) and
    /// name the file: not a dump, truncated, corrupt.
    public static func inspect(root: RootDirectory = RootDirectory(), path: String) -> Result<VmcoreInfo, KexecError> {
        do throws(KexecError) {
            let source = try FileByteSource(root: root, path: path, operation: "inspect")
            return .success(try inspect(source, root: root, path: path))
        } catch {
            return .failure(error)
        }
    }

    /// Inspects an already opened dump (the catalog opens each vmcore once and uses that descriptor);
    /// the dmesg beside it is read under `root`.
    static func inspect(_ source: FileByteSource, root: RootDirectory, path: String) throws(KexecError) -> VmcoreInfo {
        let size = source.size
        guard let head = source.read(offset: 0, count: 18) else {
            throw KexecError(.badImage, operation: "inspect", path: path,
                             "\(path): truncated (\(size) bytes): too short for any dump header")
        }
        guard let format = signatureFormat(head) else {
            throw KexecError(.badImage, operation: "inspect", path: path,
                             "\(path): not a kernel dump (no ELF core, \"KDUMP   \" or \"makedumpfile\" signature)")
        }
        var info = VmcoreInfo(path: path, format: format, sizeBytes: size)
        switch format {
        case .elf:
            let (arch, note) = try ElfVmcoreReader.read(descriptor: source.rawDescriptor, path: path, fileSize: source.size)
            info.arch = arch
            if let note { info.apply(note) }
        case .kdumpCompressed:
            apply(try KdumpCompressedHeader.parse(source, path: path), to: &info)
        case .flattened:
            let flat = try FlattenedDumpReader(source, path: path, fileSize: source.size)
            guard let inner = flat.read(offset: 0, count: 18), let innerFormat = signatureFormat(inner),
                  innerFormat != .flattened else {
                throw KexecError(.badImage, operation: "inspect", path: path,
                                 "\(path): flattened stream whose first record is not a dump header")
            }
            info.innerFormat = innerFormat
            if innerFormat == .kdumpCompressed {
                apply(try KdumpCompressedHeader.parse(flat, path: path), to: &info)
            } else {
                applyFlattenedElf(flat, head: flat.read(offset: 0, count: 20) ?? inner, to: &info)
            }
        }
        info.panicMessage = panicMessage(root: root, besideDump: path)
        return info
    }

    /// The format a file's first bytes announce, or nil.
    static func signatureFormat(_ head: [UInt8]) -> VmcoreInfo.Format? {
        if head.hasASCIIPrefix(KdumpCompressedHeader.signature)
            || head.hasASCIIPrefix(KdumpCompressedHeader.diskdumpSignature) { return .kdumpCompressed }
        if head.hasASCIIPrefix(FlattenedDumpReader.signature) { return .flattened }
        if head.count >= 18, head[0] == 0x7f, head[1] == 0x45, head[2] == 0x4c, head[3] == 0x46 {
            let bigEndian = head[5] == 2
            let type = bigEndian ? head.bigEndian(at: 16, as: UInt16.self)
                                 : head.littleEndian(at: 16, as: UInt16.self)
            return type == 4 ? .elf : nil  // ET_CORE
        }
        return nil
    }

    private static func apply(_ header: KdumpCompressedHeader, to info: inout VmcoreInfo) {
        info.headerVersion = header.headerVersion
        info.arch = header.machine
        info.release = header.release
        info.pageSize = header.blockSize
        info.dumpLevel = header.dumpLevel
        info.compression = header.compression
        info.incomplete = header.incomplete
        if let note = header.vmcoreInfo { info.apply(note) }
    }

    /// A flattened ELF dump (`-E -F`): e_machine from the header, VMCOREINFO found by its text.
    private static func applyFlattenedElf(_ flat: FlattenedDumpReader, head: [UInt8], to info: inout VmcoreInfo) {
        let machine = head[5] == 2 ? head.bigEndian(at: 18, as: UInt16.self)
                                   : head.littleEndian(at: 18, as: UInt16.self)
        info.arch = machine.map { ElfHeader.machineName(machine: $0, fileClass: head[4], dataEncoding: head[5]) ?? "e_machine \($0)" }
        let bytes = flat.allBytes
        let key = Array("OSRELEASE=".utf8)
        guard bytes.count >= key.count else { return }
        for start in 0...(bytes.count - key.count) where bytes[start] == key[0] && Array(bytes[start..<(start + key.count)]) == key {
            info.apply(VmcoreInfoNote(bytes: bytes[start...].prefix(8192)))
            return
        }
    }

    /// The panic line in the dmesg.txt saved beside the dump, if there is one.
    static func panicMessage(root: RootDirectory = RootDirectory(), besideDump path: String) -> String? {
        let dir = path.split(separator: "/", omittingEmptySubsequences: false).dropLast().joined(separator: "/")
        let dmesg = (dir.isEmpty ? "." : dir) + "/" + dmesgFileName
        guard let text = root.readText(dmesg) else { return nil }
        return panicLine(inDmesg: text)
    }

    /// The last `Kernel panic - not syncing: …` line (or the last `BUG:`/`Oops:` line) of a kernel log.
    public static func panicLine(inDmesg text: String) -> String? {
        var oops: String?
        var panic: String?
        for line in text.split(separator: "\n") {
            if let range = line.firstRange(of: "Kernel panic - not syncing") {
                panic = String(line[range.lowerBound...]).trimmingWhitespace()
            } else if let range = line.firstRange(of: "BUG: ") ?? line.firstRange(of: "Oops: ") {
                oops = String(line[range.lowerBound...]).trimmingWhitespace()
            }
        }
        return panic ?? oops
    }
}
