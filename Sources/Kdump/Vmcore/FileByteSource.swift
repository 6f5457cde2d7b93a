import KexecCore
import LinuxSystem
import RebootPlan
import SystemPackage

/// A dump file opened read-only and read through RebootPlan's `ImageFile` (pread(2) in bounded pieces).
final class FileByteSource: DumpByteSource {
    private let file: ImageFile

    /// Opens `path`; the error names the file.
    init(path: String, operation: String) throws(KexecError) {
        let fd: FileDescriptor
        do {
            fd = try FileDescriptor.open(FilePath(path), .readOnly, options: [.closeOnExec, .nonBlocking], retryOnInterrupt: true)
        } catch let errno as Errno {
            let code: KexecError.Code = (errno == .permissionDenied || errno == .notPermitted) ? .noPermission : .badImage
            throw KexecError(code, operation: operation, path: path, errno: errno, "\(path): cannot open: \(errno)")
        } catch {
            throw KexecError(.failed, operation: operation, path: path, "\(path): cannot open: \(error)")
        }
        do {
            file = try ImageFile(adopting: fd, displayPath: path)
        } catch {
            throw KexecError(.badImage, operation: operation, path: path, error.message)
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
