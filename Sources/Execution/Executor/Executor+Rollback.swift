import KexecCore
import Quiesce
import RebootPlan

extension Executor {
    /// How long a rollback may take to mount a network file system again.
    static let networkRollbackTimeout: Duration = .seconds(30)

    /// Undoes what `undo` says was done, newest first: remount read-write what was made read-only, mount again
    /// what was unmounted (source, type and options as they were), journald back to /var, swaps on, isolate the
    /// default target, mount the network file systems again (the network is back), put GRUB's next_entry back,
    /// unload what kreboot loaded. A network file system detached lazily is not mounted again (its server did
    /// not answer); that is listed among the failures. Every action is tried; what worked
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
        // After the default target is back: the network is up again (and systemd may have mounted fstab's
        // network file systems itself, which mountAgain then leaves as they are).
        for (mount, server) in undo.networkReadOnly.reversed() {
            attempt("remount \(mount.target) read-write") { () throws(QuiesceError) in
                try parts.networkMounts.remountReadWrite(mount, server: server, timeout: Self.networkRollbackTimeout)
            }
        }
        for (mount, server) in undo.networkUnmounted.reversed() {
            attempt("mount \(mount.source) at \(mount.target) again") { () throws(QuiesceError) in
                try parts.networkMounts.mountAgain(mount, server: server, timeout: Self.networkRollbackTimeout)
            }
        }
        for (mount, server) in undo.detached.reversed() {
            let action = "mount \(mount.source) at \(mount.target) again"
            error.rollbackFailures.append("\(action): not tried, server \(server) did not answer (detached lazily); `mount \(mount.target)` once it is back")
            progress(.rollback(action: action, error: RunError(.timedOut, operation: action, path: mount.target,
                                                                 "server \(server) did not answer; detached lazily")))
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
