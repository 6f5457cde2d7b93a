import RebootPlan
import Quiesce
import KexecCore
import LinuxSystem
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// Set by SIGINT or SIGTERM during a run; the executor's gate stops before the next step and rolls back.
private let interruptRequested = Atomic<Bool>(false)

/// How a confirmed run treats signals: Ctrl-C and SIGTERM ask it to stop before its next step (with a
/// rollback); the hang-up of its terminal (an ssh session ended by the isolate), a closed pipe and job
/// control cannot stop it half-way.
public enum RunSignals {
    /// Installs the handlers. From here on the run ends only by exec, panic or rollback.
    public static func install() {
        signal(SIGHUP, SIG_IGN)
        signal(SIGPIPE, SIG_IGN)
        signal(SIGTSTP, SIG_IGN)
        signal(SIGTTOU, SIG_IGN)
        signal(SIGTTIN, SIG_IGN)
        signal(SIGINT) { _ in interruptRequested.store(true, ordering: .relaxed) }
        signal(SIGTERM) { _ in interruptRequested.store(true, ordering: .relaxed) }
    }

    /// Whether SIGINT or SIGTERM has arrived since `install()`.
    public static var interrupted: Bool { interruptRequested.load(ordering: .relaxed) }
}

/// Whether the run was asked to stop (Ctrl-C, SIGTERM). The real one is the process's signals; tests set it.
public protocol InterruptSource: Sendable {
    /// Starts listening (from the confirmation on).
    func install()
    /// Whether a stop was asked for since `install()`.
    var interrupted: Bool { get }
}

/// The process's SIGINT and SIGTERM, through `RunSignals`.
public struct ProcessInterrupts: InterruptSource {
    public init() {}
    public func install() { RunSignals.install() }
    public var interrupted: Bool { RunSignals.interrupted }
}
