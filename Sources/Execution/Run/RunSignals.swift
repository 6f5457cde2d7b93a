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
enum RunSignals {
    /// Installs the handlers. From here on the run ends only by exec, panic or rollback.
    static func install() {
        signal(SIGHUP, SIG_IGN)
        signal(SIGPIPE, SIG_IGN)
        signal(SIGTSTP, SIG_IGN)
        signal(SIGTTOU, SIG_IGN)
        signal(SIGTTIN, SIG_IGN)
        signal(SIGINT) { _ in interruptRequested.store(true, ordering: .relaxed) }
        signal(SIGTERM) { _ in interruptRequested.store(true, ordering: .relaxed) }
    }

    /// Whether SIGINT or SIGTERM has arrived since `install()`.
    static var interrupted: Bool { interruptRequested.load(ordering: .relaxed) }
}
