import KexecCore
import LinuxSystem
import Quiesce
import RebootPlan
import SystemPackage

/// The error type of Execution: which plan step failed, on which path, with which errno, who blocked it,
/// and what was rolled back before the error was thrown.
public struct RunError: Error, Sendable, Equatable, CustomStringConvertible {
    /// What kind of failure, which the CLI maps to an exit code.
    public enum Code: String, Sendable, Codable {
        /// The plan has a failed check; nothing was done (the check's code decides the exit code).
        case planRefused
        /// Loading the kernel failed; `kexec` says why (65/69/77 by its code). Nothing else was touched.
        case loadFailed
        /// A mount or unit was busy; everything was rolled back and a retry may succeed (75).
        case busy
        /// A local file system was still mounted read-write just before exec (rolled back; 75).
        case unsafeMounts
        /// Not root, or systemd refused the call for lack of permission (77).
        case noPermission
        /// A facility is missing: no systemd, no journald socket (69).
        case unavailable
        /// A network file system did not answer within its step's time limit; rolled back (75).
        case timedOut
        /// Stopped on request (SIGINT, SIGTERM) between two steps; everything was rolled back (130).
        case interrupted
        /// Anything else (1).
        case failed
    }

    public var code: Code
    /// The plan step that failed; nil for failures outside a plan (a direct call of a service or mount operation).
    public var step: PlanStep?
    /// Its position in `plan.steps`.
    public var stepIndex: Int?
    /// The operation that failed, e.g. `StartUnit rescue.target`, `umount /srv/data`.
    public var operation: String
    /// The mount point or file concerned.
    public var path: String?
    /// The underlying errno (sd-bus and libmount return `-errno`; syscalls set it).
    public var errno: Errno?
    /// The D-Bus or varlink error name, e.g. `org.freedesktop.systemd1.NoSuchUnit`.
    public var busError: String?
    /// The loader's error, when the kernel could not be loaded, unloaded or executed.
    public var kexec: KexecError?
    /// Processes holding files open for writing on `path`, when a mount was busy.
    public var blockers: [MountWriter]
    /// What the rollback undid, in order (`remount /srv read-write`, `isolate graphical.target`, `unload the kernel`).
    public var rolledBack: [String]
    /// Rollback actions that themselves failed, one line each.
    public var rollbackFailures: [String]
    /// One line for people.
    public var message: String

    public init(_ code: Code, operation: String, path: String? = nil, errno: Errno? = nil, busError: String? = nil,
                kexec: KexecError? = nil, blockers: [MountWriter] = [], step: PlanStep? = nil, stepIndex: Int? = nil,
                rolledBack: [String] = [], rollbackFailures: [String] = [], _ message: String) {
        self.code = code
        self.operation = operation
        self.path = path
        self.errno = errno
        self.busError = busError
        self.kexec = kexec
        self.blockers = blockers
        self.step = step
        self.stepIndex = stepIndex
        self.rolledBack = rolledBack
        self.rollbackFailures = rollbackFailures
        self.message = message
    }

    public var description: String { message }

    /// A service or mount operation's failure, as the run reports it.
    public init(_ error: QuiesceError) {
        let code: Code
        switch error.code {
        case .busy: code = .busy
        case .noPermission: code = .noPermission
        case .unavailable: code = .unavailable
        case .timedOut: code = .timedOut
        case .failed: code = .failed
        }
        self.init(code, operation: error.operation, path: error.path, errno: error.errno, busError: error.busError,
                  blockers: error.blockers, error.message)
    }

    /// A loader's failure during `operation`.
    public init(loading error: KexecError, code: Code = .loadFailed) {
        self.init(code, operation: error.operation, path: error.path, errno: error.errno, kexec: error, error.message)
    }

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

/// Runs a service or mount operation inside a step: its `QuiesceError` becomes the run's `RunError`.
func quiesce<T>(_ body: () throws(QuiesceError) -> T) throws(RunError) -> T {
    do {
        return try body()
    } catch {
        throw RunError(error)
    }
}
