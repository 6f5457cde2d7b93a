import LinuxSystem
import SystemPackage

#if canImport(Glibc)
import Glibc
#endif

/// One part of an initrd bundle: a whole file, or a byte range of one (a UKI's `.initrd` section).
public struct InitrdSource: Sendable, Equatable {
    public var path: String
    /// nil: the whole file.
    public var range: (offset: UInt64, size: UInt64)?

    /// The whole file at `path`, or `size` bytes of it from `offset` when both are given.
    public init(path: String, offset: UInt64? = nil, size: UInt64? = nil) {
        self.path = path
        if let offset, let size { range = (offset, size) } else { range = nil }
    }

    /// Same path and same range.
    public static func == (a: InitrdSource, b: InitrdSource) -> Bool {
        a.path == b.path && a.range?.offset == b.range?.offset && a.range?.size == b.range?.size
    }
}

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
        try self.init(sources: paths.map { InitrdSource(path: $0) }, operation: operation)
    }

    /// Opens `sources` (one or more, in order): a single whole file is passed as it is, anything else is
    /// copied into a memfd. `embedded` (a UKI's `.initrd`: a range of a file already open, read through that
    /// descriptor, `path` naming it) comes first.
    public init(sources: [InitrdSource], embedded: (file: FileDescriptor, path: String, range: (UInt64, UInt64))? = nil,
                operation: String = "load") throws(KexecError) {
        precondition(!sources.isEmpty || embedded != nil, "InitrdBundle needs at least one initrd")
        if embedded == nil && sources.count == 1 && sources[0].range == nil {
            let file = try Self.open(sources[0].path, operation: operation)
            var st = stat()
            size = fstat(file.rawValue, &st) == 0 ? Int(st.st_size) : 0
            fd = file
            return
        }
        let memfd = try Self.memfd("kreboot-initrd", operation: operation)
        var total = 0
        do {
            if let embedded {
                total += try Self.copy(embedded.file, range: embedded.range, to: memfd, path: embedded.path, operation: operation)
                let padding = (4 - total % 4) % 4
                if padding > 0 {
                    _ = try Self.write([UInt8](repeating: 0, count: padding), to: memfd, path: embedded.path, operation: operation)
                    total += padding
                }
            }
            for source in sources {
                let path = source.path
                let file = try Self.open(path, operation: operation)
                defer { try? file.close() }
                total += try Self.copy(file, range: source.range, to: memfd, path: path, operation: operation)
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

    /// An anonymous file in memory (memfd_create(name, MFD_CLOEXEC)).
    static func memfd(_ name: String, operation: String) throws(KexecError) -> FileDescriptor {
        switch LinuxSyscalls.memfdCreate(name) {
        case .success(let fd): return fd
        case .failure(let errno): throw KexecError(.failed, operation: operation, errno: errno, "memfd_create: \(errno)")
        }
    }

    /// Opens `path` read-only through the gateway (non-blocking, a regular file: a FIFO or a device is refused
    /// before any read); the error says which `what` (initrd, kernel) could not be opened.
    static func open(_ path: String, operation: String, what: String = "initrd") throws(KexecError) -> FileDescriptor {
        let fd: Int32?
        do { fd = try RootDirectory().openRegularFile(path) } catch {
            throw KexecError(operation: operation, SystemError(error.code, path: path, errno: error.errno,
                                                               "\(error.message) (the \(what))"))
        }
        guard let fd else {
            throw KexecError(.badImage, operation: operation, path: path, errno: .noSuchFileOrDirectory,
                             "\(path): cannot open \(what): no such file")
        }
        // The gateway opens non-blocking; the copy below reads with plain blocking semantics.
        _ = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK)
        return FileDescriptor(rawValue: fd)
    }

    /// Copies the file (or `range` of it) to `target`; returns the bytes copied.
    static func copy(_ source: FileDescriptor, range: (offset: UInt64, size: UInt64)? = nil, to target: FileDescriptor,
                     path: String, operation: String) throws(KexecError) -> Int {
        var buffer = [UInt8](repeating: 0, count: 1 << 20)
        var copied = 0
        while true {
            let want = range.map { min(buffer.count, Int($0.size) - copied) } ?? buffer.count
            if want <= 0 { return copied }
            let n: Int
            do {
                n = try buffer.withUnsafeMutableBytes { raw in
                    let slice = UnsafeMutableRawBufferPointer(rebasing: raw[0..<want])
                    if let range {
                        return try source.read(fromAbsoluteOffset: Int64(range.offset) + Int64(copied), into: slice, retryOnInterrupt: true)
                    }
                    return try source.read(into: slice, retryOnInterrupt: true)
                }
            } catch {
                throw KexecError(.badImage, operation: operation, path: path, errno: error as? Errno, "\(path): read error: \(error)")
            }
            if n == 0 {
                if let range, copied < Int(range.size) {
                    throw KexecError(.badImage, operation: operation, path: path, "\(path): truncated: \(copied) of \(range.size) bytes at offset \(range.offset)")
                }
                return copied
            }
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
