import RebootPlan
import Quiesce
import LinuxSystem
import KexecCore

extension Executor {
    /// Undoes what `undo` says was done, in this order: remount read-write what was made read-only (newest first),
    /// journald back to /var, isolate the default target (which mounts again what was unmounted), put GRUB's
    /// next_entry back, unload what kreboot loaded. Every action is tried; what worked goes into
    /// `error.rolledBack`, what failed into `error.rollbackFailures`.
    func rollBack(_ undo: inout UndoLog, after error: inout QuiesceError) {
        func attempt(_ action: String, _ body: () throws -> Void) {
            do {
                try body()
                error.rolledBack.append(action)
                progress(.rollback(action: action, error: nil))
            } catch let failure {
                let quiesceError = failure as? QuiesceError
                    ?? (failure as? KexecError).map {
                        QuiesceError(.failed, operation: $0.operation, errno: $0.errno, kexec: $0, $0.message)
                    }
                    ?? QuiesceError(.failed, operation: action, "\(failure)")
                error.rollbackFailures.append("\(action): \(quiesceError.message)")
                progress(.rollback(action: action, error: quiesceError))
            }
        }

        for path in undo.madeReadOnly.reversed() {
            attempt("remount \(path) read-write") { try mounts.remountReadWrite(path: path) }
        }
        if undo.journalRelinquished {
            attempt("move the journal back to /var") { try services.flushJournal() }
        }
        if undo.isolated || !undo.unmounted.isEmpty {
            let target = undo.defaultTarget ?? (try? services.defaultTarget()) ?? "default.target"
            attempt("isolate \(target)") { try services.isolate(unit: target) }
        }
        if let cleared = undo.clearedNextEntry {
            // After the isolate: a separate /boot is mounted again by then.
            attempt("restore GRUB's next_entry in \(cleared.file)") { try grubEnvironment.restore(cleared) }
        }
        for crash in undo.loaded.reversed() {
            attempt(crash ? "unload the capture kernel" : "unload the kernel") { try loader.unload(crash: crash) }
        }
        undo = UndoLog()

        if !error.rolledBack.isEmpty || !error.rollbackFailures.isEmpty {
            let failures = error.rollbackFailures.isEmpty ? "" : "; rollback failures: " + error.rollbackFailures.joined(separator: "; ")
            journal.record(JournalRecord(.rolledBack, "kreboot: \(error.message); rolled back: \(error.rolledBack.joined(separator: ", "))\(failures)",
                                         priority: .error, fields: ["FAILED_STEP": error.step?.action.rawValue ?? ""]))
        }
    }
}
