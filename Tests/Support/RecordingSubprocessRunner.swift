import Execution
import RebootPlan
import Quiesce
import KexecCore
import LinuxSystem
import Synchronization

/// A fake runner that records each argv and answers with scripted results. For tests.
public final class RecordingSubprocessRunner: SubprocessRunner {
    private let state = Mutex<(calls: [[String]], results: [SubprocessResult])>(([], []))

    /// A fake with no runs yet; every run succeeds until told otherwise.
    public init() {}

    /// Every argv run so far.
    public var calls: [[String]] { state.withLock { $0.calls } }

    /// The results of the next runs, in order; once used up, runs succeed with status 0.
    public func answer(_ result: SubprocessResult...) { state.withLock { $0.results += result } }

    /// Records `argv` and answers the next scripted result.
    public func run(_ argv: [String], options: SubprocessOptions) throws(SystemError) -> SubprocessResult {
        state.withLock { s in
            s.calls.append(argv)
            return s.results.isEmpty ? SubprocessResult(status: 0) : s.results.removeFirst()
        }
    }
}
