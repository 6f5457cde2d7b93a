import KexecCore
import LinuxSystem

/// Reads an ELF core dump (/proc/vmcore, a `cp` of it, `makedumpfile -E`) through LinuxSystem's `ElfFile`:
/// the ELF header's machine, and the VMCOREINFO note among the PT_NOTE segments.
enum ElfVmcoreReader {
    /// The most note bytes read from one PT_NOTE segment (a machine with thousands of CPUs has a few MiB).
    static let maxNoteBytes: UInt64 = 16 << 20

    /// The architecture and the VMCOREINFO note (when one is there) of the core open on `descriptor`, whose
    /// size is `fileSize`: each PT_NOTE must lie inside the file and hold at most `maxNoteBytes`.
    /// Errors are `.badImage` and name the file.
    static func read(descriptor: Int32, path: String, fileSize: UInt64 = .max) throws(KexecError) -> (arch: String, note: VmcoreInfoNote?) {
        do throws(SystemError) {
            let elf = try ElfFile(descriptor: descriptor, displayPath: path)
            let header = try elf.header()
            guard header.type == ElfHeader.core else {
                throw SystemError(.badData, path: path, "\(path): an ELF file but not a core dump (e_type \(header.type))")
            }
            let noteSegments = try elf.programHeaders().filter { $0.isNote && $0.fileSize > 0 }
            guard !noteSegments.isEmpty else {
                throw SystemError(.badData, path: path, "\(path): an ELF core without PT_NOTE: not a kernel dump")
            }
            var note: VmcoreInfoNote?
            for segment in noteSegments {
                let (end, overflow) = segment.offset.addingReportingOverflow(segment.fileSize)
                guard !overflow, end <= fileSize, end <= UInt64(Int64.max) else {
                    throw SystemError(.badData, path: path, "\(path): impossible PT_NOTE \(segment.index): offset \(segment.offset) + size \(segment.fileSize) is past the end of the file (\(fileSize) bytes)")
                }
                guard segment.fileSize <= maxNoteBytes else {
                    throw SystemError(.badData, path: path, "\(path): impossible PT_NOTE \(segment.index): \(segment.fileSize) bytes of notes (more than \(maxNoteBytes >> 20) MiB)")
                }
                if let found = try elf.notes(in: segment).first(where: { $0.name == "VMCOREINFO" }) {
                    note = VmcoreInfoNote(bytes: found.descriptor)
                }
            }
            return (archName(header), note)
        } catch {
            throw KexecError(.badImage, operation: "inspect", path: path, errno: error.errno, error.message)
        }
    }

    /// The name `uname -m` prints for the dump's machine, or `e_machine N` for one not known here.
    static func archName(_ header: ElfHeader) -> String {
        header.machineName ?? "e_machine \(header.machine)"
    }
}
