import SystemPackage

#if canImport(Glibc)
import Glibc
#endif

extension QuiesceError {
    /// The error for a system call that failed with `errno` (by default the thread's errno, read when this is
    /// called: call it before any cleanup). The code fits the errno (`code(for:)`); the message is
    /// `OPERATION: PATH: reason`, or `OPERATION: reason` when the operation already ends with the path
    /// (`syncfs /srv/data: Input/output error`).
    public static func fromErrno(_ errno: Errno = Errno(rawValue: Glibc.errno), operation: String,
                                 path: String?) -> QuiesceError {
        let reason = String(cString: strerror(errno.rawValue))
        let message = if let path, !path.isEmpty, !operation.hasSuffix(path) {
            "\(operation): \(path): \(reason)"
        } else {
            "\(operation): \(reason)"
        }
        return QuiesceError(code(for: errno), operation: operation, path: path, errno: errno, message)
    }
}
