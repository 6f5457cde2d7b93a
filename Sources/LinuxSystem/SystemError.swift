/// The error type of the RebootPlan module: what failed, on which file, and why.
public struct RebootPlanError: Error, Sendable, Equatable, CustomStringConvertible {
    /// What kind of failure, which the CLI maps to an exit code.
    public enum Code: String, Sendable {
        /// The input is malformed or missing (a corrupt kernel, an unreadable mount table).
        case badData
        /// A facility is not there (no kexec support, no boot loader configuration).
        case unavailable
        /// Not allowed (permissions).
        case noPermission
    }

    public var code: Code
    /// The file concerned, as the target system sees it, when there is one.
    public var path: String?
    /// One line saying what is wrong.
    public var message: String

    public init(_ code: Code, path: String? = nil, _ message: String) {
        self.code = code
        self.path = path
        self.message = message
    }

    public var description: String { message }
}
