import RebootPlan
import KexecCore
import Dispatch
import FoundationEssentials
import Glibc
import LinuxSystem
import Quiesce

/// Moves this process into a transient scope (`kreboot-run-ID.scope`, IgnoreOnIsolate=yes) on a background
/// thread, so the D-Bus round trip runs beside the kernel load; `wait()` joins it before the isolate.
/// Without the move, isolating rescue.target would stop the login session or service kreboot runs in.
final class ScopeMove: @unchecked Sendable {
    private let done = DispatchSemaphore(value: 0)
    private var failure: QuiesceError?

    /// Starts the move of `pid` into `name`.
    init(services: any ServiceManager, name: String, pid: Int32 = getpid()) {
        DispatchQueue.global().async { [self] in
            do throws(QuiesceError) {
                try services.moveIntoTransientScope(name: name, pid: pid,
                                                    properties: [UnitProperty("Description", .string("kreboot run"))])
            } catch {
                failure = error
            }
            done.signal()
        }
    }

    /// Waits for the move; throws what systemd answered if it failed.
    func wait() throws(QuiesceError) {
        done.wait()
        done.signal()
        if let failure { throw failure }
    }
}
