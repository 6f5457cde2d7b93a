import KexecCore
import LinuxSystem
import SystemPackage

#if canImport(Glibc)
import Glibc
#endif

/// KDUMP_DUMPFORMAT=raw: a plain copy of /proc/vmcore, leaving holes where the source is all zeros
/// (as `cp --sparse=always` does), then fsync. The source is opened through the gateway (a regular file,
/// non-blocking open); the destination is created relative to its directory, opened once without following
/// a symlink, with O_CREAT|O_EXCL|O_NOFOLLOW: nothing already there, file or symlink, is written through.
enum SparseCopy {
    static let chunk = 1 << 20

    static func copy(from source: String, to destination: String) throws(KexecError) {
        let opened: Int32?
        do { opened = try RootDirectory().openRegularFile(source) } catch { throw KexecError(operation: "save-dump", error) }
        guard let input = opened else { throw failure(source, "cannot open") }
        defer { close(input) }
        _ = fcntl(input, F_SETFL, fcntl(input, F_GETFL) & ~O_NONBLOCK)
        let directory = try DumpFiles.openDirectory(DumpFiles.parent(of: destination), operation: "save-dump")
        defer { close(directory) }
        let output = openat(directory, DumpFiles.name(of: destination), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0o600)
        guard output >= 0 else { throw failure(destination, "cannot create") }
        defer { close(output) }
        var buffer = [UInt8](repeating: 0, count: chunk)
        let zeros = [UInt8](repeating: 0, count: chunk)
        var total: Int64 = 0
        while true {
            let n = buffer.withUnsafeMutableBytes { read(input, $0.baseAddress, $0.count) }
            if n < 0 && errno == EINTR { continue }
            if n < 0 { throw failure(source, "read failed at \(total)") }
            if n == 0 { break }
            let allZero = buffer.withUnsafeBytes { b in zeros.withUnsafeBytes { z in memcmp(b.baseAddress!, z.baseAddress!, n) == 0 } }
            if allZero {
                guard lseek(output, off_t(n), SEEK_CUR) >= 0 else { throw failure(destination, "seek failed") }
            } else {
                var written = 0
                while written < n {
                    let w = buffer.withUnsafeBytes { write(output, $0.baseAddress! + written, n - written) }
                    if w < 0 && errno == EINTR { continue }
                    guard w > 0 else { throw failure(destination, "write failed at \(total + Int64(written))") }
                    written += w
                }
            }
            total += Int64(n)
        }
        guard ftruncate(output, off_t(total)) == 0 else { throw failure(destination, "truncate failed") }
        guard fsync(output) == 0 else { throw failure(destination, "fsync failed") }
    }

    private static func failure(_ path: String, _ what: String) -> KexecError {
        let err = Errno(rawValue: errno)
        return KexecError(err == .noSpace ? .unavailable : .failed, operation: "save-dump", path: path, errno: err,
                          "\(path): \(what): \(err)")
    }
}
