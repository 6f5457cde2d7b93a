internal import CKexecSyscalls
import SystemPackage

#if canImport(Glibc)
import Glibc
#endif

/// The one initrd descriptor kexec_file_load takes: the file itself when there is one initrd, else a memfd
/// holding every initrd concatenated, each padded with zeros to 4 bytes (the initramfs buffer format's
/// alignment; systemd-stub and kexec-tools concatenate the same way). Closed when it goes away.
public struct InitrdBundle: ~Copyable {
    /// The descriptor to pass as the initrd.
    public let fd: FileDescriptor
    /// Total bytes (including padding).
    public let size: Int

    /// Opens `paths` (one or more, in order); the errors name the initrd concerned.
    public init(paths: [String], operation: String = "load") throws(KexecError) {
        precondition(!paths.isEmpty, "InitrdBundle needs at least one initrd")
        if paths.count == 1 {
            let file = try Self.open(paths[0], operation: operation)
            var st = stat()
            size = fstat(file.rawValue, &st) == 0 ? Int(st.st_size) : 0
            fd = file
            return
        }
        let created = ck_memfd_create("kreboot-initrd")
        guard created >= 0 else {
            throw KexecError(.failed, operation: operation, errno: Errno(rawValue: -created),
                             "memfd_create for \(paths.count) initrds: \(Errno(rawValue: -created))")
        }
        let memfd = FileDescriptor(rawValue: created)
        var total = 0
        do {
            for path in paths {
                let file = try Self.open(path, operation: operation)
                defer { try? file.close() }
                total += try Self.copy(file, to: memfd, path: path, operation: operation)
                let padding = (4 - total % 4) % 4
                if padding > 0 {
                    _ = try Self.write([UInt8](repeating: 0, count: padding), to: memfd, path: path, operation: operation)
                    total += padding
                }
            }
        } catch {
            try? memfd.close()
            throw error
        }
        fd = memfd
        size = total
    }

    deinit { try? fd.close() }

    private static func open(_ path: String, operation: String) throws(KexecError) -> FileDescriptor {
        do {
            return try FileDescriptor.open(FilePath(path), .readOnly, options: [.closeOnExec])
        } catch {
            let errno = error as? Errno
            let code: KexecError.Code = errno == .permissionDenied ? .noPermission : .badImage
            throw KexecError(code, operation: operation, path: path, errno: errno, "\(path): cannot open initrd: \(error)")
        }
    }

    private static func copy(_ source: FileDescriptor, to target: FileDescriptor, path: String, operation: String) throws(KexecError) -> Int {
        var buffer = [UInt8](repeating: 0, count: 1 << 20)
        var copied = 0
        while true {
            let n: Int
            do {
                n = try buffer.withUnsafeMutableBytes { try source.read(into: $0, retryOnInterrupt: true) }
            } catch {
                throw KexecError(.badImage, operation: operation, path: path, errno: error as? Errno, "\(path): read error: \(error)")
            }
            if n == 0 { return copied }
            copied += try write(Array(buffer[0..<n]), to: target, path: path, operation: operation)
        }
    }

    private static func write(_ bytes: [UInt8], to target: FileDescriptor, path: String, operation: String) throws(KexecError) -> Int {
        do {
            return try target.writeAll(bytes)
        } catch {
            throw KexecError(.failed, operation: operation, path: path, errno: error as? Errno,
                             "\(path): cannot copy into the initrd memfd: \(error)")
        }
    }
}
