import KexecCore
import LinuxSystem
import RebootPlan
import SystemPackage

/// A dump file opened read-only and read through RebootPlan's `ImageFile` (pread(2) in bounded pieces).
final class FileByteSource: DumpByteSource {
    private let file: ImageFile

    /// Opens `path` under `root` through the gateway (inside the tree, non-blocking, a regular file: a FIFO
    /// or a device is refused before any read); the error names the file.
    init(root: RootDirectory = RootDirectory(), path: String, operation: String) throws(KexecError) {
        do {
            file = try ImageFile(root: root, path: path)
        } catch {
            throw KexecError(operation: operation, error)
        }
    }

    /// The raw descriptor, for libelf.
    var rawDescriptor: Int32 { file.fd.rawValue }

    /// The file's size from fstat(2) at open (for /proc/vmcore: the size of the dump it describes).
    var size: UInt64 { file.size }

    func read(offset: UInt64, count: Int) -> [UInt8]? {
        try? file.readExactly(at: offset, count: count, what: "dump bytes")
    }
}
