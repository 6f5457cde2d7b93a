import Foundation
import Quiesce
import RebootPlan

/// Formats executor events as the lines kreboot shows on stderr, and appends them to the run's progress.log:
/// `[ 3/7] unmount /data (/dev/nvme0n2, ext4) ... 0.21 s`.
struct ProgressLog {
    let total: Int
    let file: FileHandle?

    init(total: Int, path: String?) {
        self.total = total
        if let path {
            FileManager.default.createFile(atPath: path, contents: nil)
            file = FileHandle(forWritingAtPath: path)
        } else {
            file = nil
        }
    }

    func line(for event: StepEvent) -> String {
        switch event {
        case .started(let index, let step, _):
            return "\(prefix(index)) \(step.summary) ..."
        case .finished(let index, let step, let duration, let note):
            return "\(prefix(index)) \(step.summary) done in \(Self.seconds(duration))" + (note.map { " (\($0))" } ?? "")
        case .failed(let index, let step, let duration, let error):
            return "\(prefix(index)) \(step.summary) FAILED after \(Self.seconds(duration)): \(error.message)"
        case .rollback(let action, let error):
            return "rollback: \(action)" + (error.map { " FAILED: \($0.message)" } ?? " done")
        }
    }

    /// Appends `line` to progress.log (synced: the machine may go down next).
    func append(_ line: String) {
        guard let file else { return }
        file.write(Data((line + "\n").utf8))
        try? file.synchronize()
    }

    private func prefix(_ index: Int) -> String {
        "[\(String(index + 1).leftPadded(to: String(total).count))/\(total)]"
    }

    static func seconds(_ duration: Duration) -> String {
        let c = duration.components
        let s = Double(c.seconds) + Double(c.attoseconds) / 1e18
        return String(format: "%.2f s", s)
    }
}
