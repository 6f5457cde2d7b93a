import Quiesce
import FoundationEssentials
import Glibc
import LinuxSystem
import KexecCore
import RebootPlan
import SystemPackage

/// Runs a plan's steps in order: load the kernel, isolate, unmount, remount read-only, sync, exec (or panic).
/// Any failure after the load rolls back what was done (remount read-write, journald back to /var, isolate the
/// default target, unload the kernel) and throws a `QuiesceError` naming the step.
public struct Executor {
    let loader: any KexecLoader
    let services: any ServiceManager
    let mounts: any MountOperations
    let journal: any JournalRecorder
    let grubEnvironment: any GrubEnvironmentEditing
    let progress: (StepEvent) -> Void
    let gate: (_ index: Int, _ step: PlanStep) throws(QuiesceError) -> Void

    /// - Parameters:
    ///   - journal: where each step and the outcome are recorded (default: nowhere).
    ///   - grubEnvironment: edits grubenv for a `clearGrubNextEntry` step (default: the real file).
    ///   - progress: called at each step's start and end and for each rollback action.
    ///   - gate: called before each step starts; what it throws fails that step, and what was done is rolled
    ///     back (the CLI stops here on Ctrl-C, and waits here for work it started beside the load).
    public init(loader: any KexecLoader, services: any ServiceManager, mounts: any MountOperations,
                journal: any JournalRecorder = DiscardingJournal(),
                grubEnvironment: any GrubEnvironmentEditing = GrubEnvironmentFile(),
                progress: @escaping (StepEvent) -> Void = { _ in },
                gate: @escaping (_ index: Int, _ step: PlanStep) throws(QuiesceError) -> Void = { _, _ in }) {
        self.loader = loader
        self.services = services
        self.mounts = mounts
        self.journal = journal
        self.grubEnvironment = grubEnvironment
        self.progress = progress
        self.gate = gate
    }

    /// Runs exactly `plan.steps`, in order, loading `image`. Refuses a plan whose checks failed.
    /// On success of `exec` or `panic` this does not return on a real system.
    public func run(_ plan: RebootPlan, image: KexecImage, options: ExecutorOptions = ExecutorOptions()) throws(QuiesceError) {
        guard plan.ok else {
            let reason = plan.firstFailure.map { "\($0.id.rawValue): \($0.message)" } ?? "a check failed"
            throw QuiesceError(.planRefused, operation: "run the plan", "refusing to run the plan: \(reason)")
        }
        var undo = UndoLog()
        for (index, step) in plan.steps.enumerated() {
            let start = Date()
            let clock = ContinuousClock.now
            progress(.started(index: index, step: step, at: start))
            do throws(QuiesceError) {
                try gate(index, step)
                let note = try perform(step, image: image, options: options, undo: &undo)
                let duration = ContinuousClock.now - clock
                progress(.finished(index: index, step: step, duration: duration, note: note))
                recordStep(index, of: plan.steps.count, step, duration: duration, note: note, failed: false)
            } catch {
                var error = error
                error.step = step
                error.stepIndex = index
                let duration = ContinuousClock.now - clock
                progress(.failed(index: index, step: step, duration: duration, error: error))
                recordStep(index, of: plan.steps.count, step, duration: duration, note: "failed: \(error.message)", failed: true)
                rollBack(&undo, after: &error)
                throw error
            }
        }
    }

    /// Performs one step, noting in `undo` what it changed. Returns a note when it did something other than asked.
    private func perform(_ step: PlanStep, image: KexecImage, options: ExecutorOptions,
                         undo: inout UndoLog) throws(QuiesceError) -> String? {
        switch step.action {
        case .load, .loadCrash:
            let crash = step.action == .loadCrash
            do {
                try loader.load(image, crash: crash)
            } catch {
                throw QuiesceError(.loadFailed, operation: crash ? "crash load" : "load", path: image.kernel,
                                   errno: error.errno, kexec: error, error.message)
            }
            undo.loaded.append(crash)
            journal.record(JournalRecord(.loaded, "kreboot: loaded \(image.kernel)\(crash ? " as capture kernel" : "")",
                                         fields: ["KERNEL": image.kernel, "COMMAND_LINE": image.commandLine]))
            return nil

        case .clearGrubNextEntry:
            undo.clearedNextEntry = try grubEnvironment.clearNextEntry(in: try requirePath(step))
            return undo.clearedNextEntry.map { "was \"\($0.value)\"" }

        case .isolate:
            let unit = step.unit ?? "rescue.target"
            if undo.defaultTarget == nil { undo.defaultTarget = (try? services.defaultTarget()) ?? "default.target" }
            undo.isolated = true
            try services.isolate(unit: unit)
            return nil

        case .unmount:
            let path = try requirePath(step)
            do {
                try mounts.unmount(path: path)
                undo.unmounted.append(path)
                return nil
            } catch where error.errno == .resourceBusy {
                // A busy mount is remounted read-only instead; if that fails too, the step fails.
                do {
                    _ = try remountReadOnly(path, retry: options.busyRetry)
                } catch let remountError {
                    throw QuiesceError(.busy, operation: "unmount \(path)", path: path, errno: remountError.errno,
                                       blockers: writers(of: path),
                                       "\(error.message); remounting read-only instead failed too: \(remountError.message)")
                }
                undo.madeReadOnly.append(path)
                return "\(path) is busy: remounted read-only instead"
            }

        case .remountReadOnly:
            let path = try requirePath(step)
            var note: String?
            if path == "/" && options.relinquishJournal && !undo.journalRelinquished {
                do {
                    try services.relinquishJournal()
                    undo.journalRelinquished = true
                } catch {
                    // Without journald's socket nothing holds its files; if something does, the remount says so.
                    note = "journald did not relinquish /var: \(error.message)"
                }
            }
            do {
                if let retried = try remountReadOnly(path, retry: options.busyRetry) {
                    note = note.map { "\($0); \(retried)" } ?? retried
                }
            } catch {
                var error = error
                if error.errno == .resourceBusy { error.blockers = writers(of: path) }
                throw error
            }
            undo.madeReadOnly.append(path)
            return note

        case .sync:
            try mounts.sync(path: step.path)
            return nil

        case .exec, .panic:
            try checkNoReadWriteMounts(force: options.force, step: step)
            if undo.isolated || !undo.unmounted.isEmpty || !undo.madeReadOnly.isEmpty {
                journal.record(JournalRecord(.quiesced, "kreboot: quiesced (unmounted \(undo.unmounted.count), read-only \(undo.madeReadOnly.count))",
                                             fields: ["UNMOUNTED": undo.unmounted.joined(separator: " "),
                                                      "READ_ONLY": undo.madeReadOnly.joined(separator: " ")]))
            }
            do {
                if step.action == .exec {
                    journal.record(JournalRecord(.executed, "kreboot: executing \(image.kernel)", priority: .notice,
                                                 fields: ["KERNEL": image.kernel]))
                    try loader.exec()
                } else {
                    journal.record(JournalRecord(.kdumpTestPending, "kreboot: kdump test: crashing the kernel now",
                                                 priority: .notice))
                    try loader.panic()
                }
            } catch {
                throw QuiesceError(.failed, operation: step.action.rawValue, errno: error.errno, kexec: error, error.message)
            }
            return nil
        }
    }

    /// Remounts `path` read-only; while the file system is busy, syncs it, waits and tries again as `retry` says.
    /// Returns a note when it took more than one try.
    private func remountReadOnly(_ path: String, retry: BusyRetry) throws(QuiesceError) -> String? {
        var attemptsLeft = retry.attempts
        while true {
            do {
                try mounts.remountReadOnly(path: path)
                let retries = retry.attempts - attemptsLeft
                return retries == 0 ? nil : "\(path) was busy; read-only after \(retries) \(retries == 1 ? "retry" : "retries")"
            } catch where error.errno == .resourceBusy && attemptsLeft > 0 {
                attemptsLeft -= 1
                try? mounts.sync(path: path)
                let (seconds, attoseconds) = retry.interval.components
                if retry.interval > .zero { usleep(UInt32(seconds * 1_000_000 + attoseconds / 1_000_000_000_000)) }
            }
        }
    }

    /// Before exec or panic: a local file system still mounted read-write would be left dirty. Refuse unless forced.
    private func checkNoReadWriteMounts(force: Bool, step: PlanStep) throws(QuiesceError) {
        guard !force else { return }
        let remaining = try mounts.readWriteLocalMounts()
        guard let first = remaining.first else { return }
        let list = remaining.map { "\($0.target) (\($0.source))" }.joined(separator: ", ")
        throw QuiesceError(.unsafeMounts, operation: step.action.rawValue, path: first.target,
                           blockers: writers(of: first.target),
                           "still mounted read-write: \(list); refusing to \(step.action.rawValue) (use --force to override)")
    }

    private func requirePath(_ step: PlanStep) throws(QuiesceError) -> String {
        guard let path = step.path, !path.isEmpty else {
            throw QuiesceError(.failed, operation: step.action.rawValue, "the \(step.action.rawValue) step names no path")
        }
        return path
    }

    /// The writers of `path` for an error message; empty when they cannot be found.
    private func writers(of path: String) -> [MountWriter] {
        (try? mounts.writers(of: path)) ?? []
    }

    private func recordStep(_ index: Int, of count: Int, _ step: PlanStep, duration: Duration, note: String?, failed: Bool) {
        let microseconds = duration.components.seconds * 1_000_000 + duration.components.attoseconds / 1_000_000_000_000
        var fields = ["STEP_INDEX": "\(index)", "STEP_ACTION": step.action.rawValue, "DURATION_USEC": "\(microseconds)"]
        if let path = step.path { fields["MOUNT_PATH"] = path }
        if let unit = step.unit { fields["UNIT"] = unit }
        let message = "kreboot: step \(index + 1)/\(count): \(step.summary)" + (note.map { ": \($0)" } ?? "")
        journal.record(JournalRecord(.step, message, priority: failed ? .error : .info, fields: fields))
    }
}
