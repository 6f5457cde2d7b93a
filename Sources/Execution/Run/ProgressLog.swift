import KexecCore
import FoundationEssentials
import Glibc
import LinuxSystem
import Quiesce
import RebootPlan

/// Formats executor events as the lines kreboot shows on stderr, and appends them to the run's progress.log:
/// `[ 3/7] unmount /data (/dev/nvme0n2, ext4) ... 0.21 s`.
public struct ProgressLog {
    let total: Int
    /// progress.log, open for appending; -1 without one.
    let fd: Int32
    /// The plan's load path: a load through kexec-tools' kexec_load is named so.
    let loadPath: KexecLoadPath?

    init(total: Int, path: String?, loadPath: KexecLoadPath? = nil) {
        self.total = total
        self.loadPath = loadPath
        fd = path.map { open($0, O_WRONLY | O_CREAT | O_TRUNC | O_APPEND | O_CLOEXEC | O_NOFOLLOW, 0o600) } ?? -1
    }

    func line(for event: StepEvent) -> String {
        switch event {
        case .started(let index, let step, _):
            return "\(prefix(index)) \(step.summary(loadPath: loadPath)) ..."
        case .finished(let index, let step, let duration, let note):
            return "\(prefix(index)) \(step.summary(loadPath: loadPath)) done in \(Self.seconds(duration))" + (note.map { " (\($0))" } ?? "")
        case .failed(let index, let step, let duration, let error):
            return "\(prefix(index)) \(step.summary(loadPath: loadPath)) FAILED after \(Self.seconds(duration)): \(error.message)"
        case .rollback(let action, let error):
            return "rollback: \(action)" + (error.map { " FAILED: \($0.message)" } ?? " done")
        }
    }

    /// Appends `line` to progress.log (synced: the machine may go down next).
    func append(_ line: String) {
        guard fd >= 0 else { return }
        let bytes = Array((line + "\n").utf8)
        _ = bytes.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
        fsync(fd)
    }

    private func prefix(_ index: Int) -> String {
        "[\(String(index + 1).leftPadded(to: String(total).count))/\(total)]"
    }

    public static func seconds(_ duration: Duration) -> String {
        let c = duration.components
        let s = Double(c.seconds) + Double(c.attoseconds) / 1e18
        return "\(s.fixed(2)) s"
    }
}
