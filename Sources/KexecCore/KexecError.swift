import LinuxSystem
import SystemPackage

/// The error type of KexecCore: the operation, the file concerned, the errno, and one line for people.
public struct KexecError: Error, Sendable, Equatable, CustomStringConvertible {
    /// What kind of failure, which the CLI maps to an exit code.
    public enum Code: String, Sendable, Codable {
        /// The image is corrupt, missing or for another architecture (65).
        case badImage
        /// kexec is unsupported, disabled, refused by lockdown or signature checks, no crashkernel (69).
        case unavailable
        /// Not root, no CAP_SYS_BOOT, in a container (77).
        case noPermission
        /// Anything else (1).
        case failed
    }

    public var code: Code
    /// The operation: `load`, `unload`, `exec`, `panic`, `crash load`.
    public var operation: String
    public var path: String?
    public var errno: Errno?
    public var message: String

    public init(_ code: Code, operation: String, path: String? = nil, errno: Errno? = nil, _ message: String) {
        self.code = code
        self.operation = operation
        self.path = path
        self.errno = errno
        self.message = OneLineText.escape(message)
    }

    public var description: String { message }
}

extension KexecError {
    /// `error` from the system layer (a file that cannot be read, a program that cannot be run) during
    /// `operation`: bad data is a bad image, the rest keeps its kind.
    public init(operation: String, _ error: SystemError) {
        let code: Code
        switch error.code {
        case .badData: code = .badImage
        case .unavailable: code = .unavailable
        case .noPermission: code = .noPermission
        case .failed: code = .failed
        }
        self.init(code, operation: operation, path: error.path, errno: error.errno, error.message)
    }
}
