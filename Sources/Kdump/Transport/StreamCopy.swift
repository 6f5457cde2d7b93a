import KexecCore
import SystemPackage

#if canImport(Glibc)
import Glibc
#endif

/// Copies a descriptor to another until end of file, in 1 MiB blocks, retrying EINTR and short writes.
enum StreamCopy {
    /// Copies everything readable from `source` to `destination`; `what` names the destination in errors.
    static func copy(from source: Int32, to destination: Int32, what: String) throws(KexecError) -> UInt64 {
        let size = 1 << 20
        let buffer = UnsafeMutableRawPointer.allocate(byteCount: size, alignment: 16)
        defer { buffer.deallocate() }
        var total: UInt64 = 0
        while true {
            let n = read(source, buffer, size)
            if n < 0 {
                if errno == EINTR { continue }
                let err = Errno(rawValue: errno)
                throw KexecError(.failed, operation: "save-dump", path: what, errno: err, "\(what): reading the dump stream: \(err)")
            }
            if n == 0 { return total }
            var offset = 0
            while offset < n {
                let w = write(destination, buffer + offset, n - offset)
                if w < 0 {
                    if errno == EINTR { continue }
                    let err = Errno(rawValue: errno)
                    throw KexecError(.failed, operation: "save-dump", path: what, errno: err, "\(what): write failed: \(err)")
                }
                offset += w
            }
            total += UInt64(n)
        }
    }
}
