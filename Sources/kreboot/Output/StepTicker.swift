import Execution
import RebootPlan
import KexecCore
import Dispatch
import FoundationEssentials
import Glibc
import LinuxSystem
import Kdump
import Quiesce

/// Shows progress lines on stderr. On a terminal, a step that has started (`… ...`) stays on one line with
/// its elapsed time updated in place (by a background thread, while the step blocks) until its result line
/// replaces it; elsewhere every line is printed as is.
final class StepTicker: RunObserver, @unchecked Sendable {
    private let enabled: Bool
    private let lock = Lock()
    /// The running step's line and when it started; guarded by `lock`.
    private var running: (line: String, since: ContinuousClock.Instant)?
    private var ticking = false

    init(enabled: Bool = isatty(2) == 1) {
        self.enabled = enabled
    }

    /// Prints `line`: a started step stays open on a terminal, anything else ends the open one.
    func show(_ line: String) {
        guard enabled else { Terminal.writeStderr(line + "\n"); return }
        lock.withLock {
            if running != nil { Terminal.writeStderr("\r\u{1B}[K") }
            if line.hasSuffix(" ...") {
                running = (line, .now)
                Terminal.writeStderr(line)
                startTickingLocked()
            } else {
                running = nil
                Terminal.writeStderr(line + "\n")
            }
        }
    }

    /// Ends the open line, if any (before an error message).
    func finish() {
        lock.withLock {
            if enabled && running != nil { Terminal.writeStderr("\n") }
            running = nil
        }
    }

    private func startTickingLocked() {
        guard !ticking else { return }
        ticking = true
        DispatchQueue.global().async { [self] in
            while true {
                usleep(100_000)
                lock.withLock {
                    if let running {
                        let elapsed = ProgressLog.seconds(ContinuousClock.now - running.since)
                        Terminal.writeStderr("\r\u{1B}[K\(running.line) \(elapsed)")
                    }
                }
            }
        }
    }
}
