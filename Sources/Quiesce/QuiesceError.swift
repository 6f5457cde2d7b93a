import LinuxSystem
import SystemPackage

/// The error type of Quiesce: which service or mount operation failed, on which path, with which errno and
/// D-Bus error, and who blocked it.
public struct QuiesceError: Error, Sendable, Equatable, CustomStringConvertible {
    /// What kind of failure, which the CLI maps to an exit code.
    public enum Code: String, Sendable, Codable {
        /// A mount or unit was busy; everything was rolled back and a retry may succeed (75).
        case busy
        /// Not root, or systemd refused the call for lack of permission (77).
        case noPermission
        /// A facility is missing: no systemd, no journald socket (69).
        case unavailable
        /// A network file system did not answer in time: its server is dead or unreachable (75).
        case timedOut
        /// Anything else (1).
        case failed
    }

    public var code: Code
    /// The operation that failed, e.g. `StartUnit rescue.target`, `umount /srv/data`.
    public var operation: String
    /// The mount point or file concerned.
    public var path: String?
    /// The underlying errno (sd-bus and libmount return `-errno`; syscalls set it).
    public var errno: Errno?
    /// The D-Bus or varlink error name, e.g. `org.freedesktop.systemd1.NoSuchUnit`.
    public var busError: String?
    /// Processes holding files open for writing on `path`, when a mount was busy.
    public var blockers: [MountWriter]
    /// One line for people.
    public var message: String

    public init(_ code: Code, operation: String, path: String? = nil, errno: Errno? = nil, busError: String? = nil,
                blockers: [MountWriter] = [], _ message: String) {
        self.code = code
        self.operation = operation
        self.path = path
        self.errno = errno
        self.busError = busError
        self.blockers = blockers
        self.message = OneLineText.escape(message)
    }

    public var description: String { message }

    /// The code that fits an errno: EBUSY → busy, EPERM/EACCES → noPermission, ENOENT/ECONNREFUSED → unavailable.
    public static func code(for errno: Errno?) -> Code {
        switch errno {
        case .resourceBusy?: return .busy
        case .notPermitted?, .permissionDenied?: return .noPermission
        case .noSuchFileOrDirectory?, .connectionRefused?: return .unavailable
        default: return .failed
        }
    }
}
