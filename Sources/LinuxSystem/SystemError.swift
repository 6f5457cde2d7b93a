import SystemPackage

/// The error type of the system layer: reading a file, running a process or a raw syscall failed, or what a
/// file holds is impossible. Names the file (as the target system sees it) and, where there is one, the errno.
public struct SystemError: Error, Sendable, Equatable, CustomStringConvertible {
    /// What kind of failure, which the CLI maps to an exit code.
    public enum Code: String, Sendable {
        /// The input is malformed or missing (a corrupt kernel, an unreadable mount table).
        case badData
        /// A facility is not there (no kexec support, no boot loader configuration, a program missing).
        case unavailable
        /// Not allowed (permissions).
        case noPermission
        /// Anything else (a pipe that cannot be made).
        case failed
    }

    public var code: Code
    /// The file concerned, as the target system sees it, when there is one.
    public var path: String?
    /// The underlying errno, when a call failed.
    public var errno: Errno?
    /// One line saying what is wrong (control characters escaped: `OneLineText`).
    public var message: String

    public init(_ code: Code, path: String? = nil, errno: Errno? = nil, _ message: String) {
        self.code = code
        self.path = path
        self.errno = errno
        self.message = OneLineText.escape(message)
    }

    public var description: String { message }
}
