import KexecCore
import Quiesce
import RebootPlan

extension Executor {
    /// Undoes what `undo` says was done, newest first: remount read-write what was made read-only, mount again
    /// what was unmounted (source, type and options as they were), journald back to /var, swaps on, isolate the
    /// default target, put GRUB's next_entry back, unload what kreboot loaded. Every action is tried; what worked
    /// goes into `error.rolledBack`, what failed into `error.rollbackFailures`.
    func rollBack(_ undo: inout UndoLog, after error: inout RunError) {
        func attempt(_ action: String, _ body: () throws -> Void) {
            do {
                try body()
                error.rolledBack.append(action)
                progress(.rollback(action: action, error: nil))
            } catch let failure {
                let runError = (failure as? RunError)
                    ?? (failure as? QuiesceError).map(RunError.init)
                    ?? (failure as? KexecError).map { RunError(loading: $0, code: .failed) }
                    ?? RunError(.failed, operation: action, "\(failure)")
                error.rollbackFailures.append("\(action): \(runError.message)")
                progress(.rollback(action: action, error: runError))
            }
        }

        for path in undo.madeReadOnly.reversed() {
            attempt("remount \(path) read-write") { try parts.mounts.remountReadWrite(path: path) }
        }
        for mount in undo.unmounted.reversed() {
            attempt("mount \(mount.source) at \(mount.target) again") { try parts.mounts.mountAgain(mount) }
        }
        if undo.journalMoved {
            attempt("move the journal back to /var") { try parts.services.flushJournal() }
        }
        for path in undo.swapsOff.reversed() {
            attempt("swap on \(path)") { try parts.swaps.swapOn(path: path) }
        }
        if undo.isolated {
            let target = undo.defaultTarget ?? (try? parts.services.defaultTarget()) ?? "default.target"
            attempt("isolate \(target)") { try parts.services.isolate(unit: target) }
        }
        if let cleared = undo.clearedNextEntry {
            // After the isolate: a separate /boot is mounted again by then.
            attempt("restore GRUB's next_entry in \(cleared.file)") { try parts.grubEnvironment.restore(cleared) }
        }
        if let cleared = undo.clearedOneShot {
            attempt("restore systemd-boot's one-time entry in \(cleared.variable)") {
                try parts.efiVariables.write(cleared.variable, cleared.value)
            }
        }
        for crash in undo.loaded.reversed() {
            attempt(crash ? "unload the capture kernel" : "unload the kernel") { try parts.loader.unload(crash: crash) }
        }
        undo = UndoLog()

        if !error.rolledBack.isEmpty || !error.rollbackFailures.isEmpty {
            let failures = error.rollbackFailures.isEmpty ? "" : "; rollback failures: " + error.rollbackFailures.joined(separator: "; ")
            parts.journal.record(JournalRecord(.rolledBack, "kreboot: \(error.message); rolled back: \(error.rolledBack.joined(separator: ", "))\(failures)",
                                               priority: .error, fields: ["FAILED_STEP": error.step?.action.rawValue ?? ""]))
        }
    }
}
