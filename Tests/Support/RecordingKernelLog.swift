import KexecCore
import Synchronization

/// A fake kernel log that records each line written. For tests.
public final class RecordingKernelLog: KernelLogWriting {
    private let state = Mutex<[String]>([])

    public init() {}

    /// Every line written so far.
    public var lines: [String] { state.withLock { $0 } }

    public func write(_ line: String) throws(KexecError) { state.withLock { $0.append(line) } }
}
