import Glibc
import Kdump
import KexecCore
import LinuxSystem
import Quiesce
import RebootPlan

extension Executor {
    /// Performs one step, noting in `undo` what it changed; `later` are the steps after it. Returns a note when
    /// it did something other than asked.
    func perform(_ step: PlanStep, policy: RunPolicy, then later: ArraySlice<PlanStep>,
                 undo: inout UndoLog) throws(RunError) -> String? {
        switch step {
        case .load(let image), .loadCrash(let image):
            let crash = step.action == .loadCrash
            do {
                try parts.loader.load(image, crash: crash)
            } catch {
                throw RunError(loading: error)
            }
            undo.loaded.append(crash)
            parts.journal.record(JournalRecord(.loaded, "kreboot: loaded \(image.kernel)\(crash ? " as capture kernel" : "")",
                                               fields: ["KERNEL": image.kernel, "COMMAND_LINE": image.commandLine]))
            return nil

        case .clearGrubNextEntry(let grubenv):
            undo.clearedNextEntry = try parts.grubEnvironment.clearNextEntry(in: grubenv)
            return undo.clearedNextEntry.map { "was \"\($0.value)\"" }

        case .clearSystemdBootOneShot(let variable, _):
            let value: EfiVariableValue?
            do throws(SystemError) {
                value = try parts.efiVariables.read(variable)
                try parts.efiVariables.delete(variable)
            } catch {
                throw RunError(RunError.code(for: error.errno), operation: "clear \(variable)", path: error.path, errno: error.errno,
                               "\(error.message); systemd-boot's one-time entry (bootctl set-oneshot) cannot be cleared: choose it with --entry to leave it alone")
            }
            guard let value else { return "was not set any more" }
            undo.clearedOneShot = (variable, value)
            return "was \"\(value.string ?? "")\""

        case .isolate(let unit):
            if undo.defaultTarget == nil {
                undo.defaultTarget = (try? parts.services.defaultTarget()) ?? "default.target"
            }
            undo.isolated = true
            try quiesce { () throws(QuiesceError) in try parts.services.isolate(unit: unit) }
            return nil

        case .swapOff(let area):
            try quiesce { () throws(QuiesceError) in try parts.swaps.swapOff(path: area.path) }
            undo.swapsOff.append(area.path)
            return nil

        case .moveJournal:
            // What is journaled after the move lives in /run and is gone with the kexec: the outcome records go
            // to the persistent journal now, saying which steps are still to come (a failure among them rolls
            // back, moves the journal back first and records that).
            recordOutcome(undo, remaining: later)
            // Marked before the call, as the isolate is: journald may have moved although the answer failed.
            undo.journalMoved = true
            try quiesce { () throws(QuiesceError) in try parts.services.relinquishJournal() }
            return nil

        case .unmount(let mount, let network?):
            return try unmountNetwork(mount, network, undo: &undo)

        case .unmount(let mount, nil):
            return try unmount(mount, retry: policy.busyRetry, undo: &undo)

        case .remountReadOnly(let path):
            do {
                let note = try remountReadOnly(path, retry: policy.busyRetry)
                undo.madeReadOnly.append(path)
                return note
            } catch {
                var error = error
                if error.errno == .resourceBusy { error.blockers = writers(of: path) }
                throw error
            }

        case .sync:
            try quiesce { () throws(QuiesceError) in try parts.mounts.sync(path: nil) }
            return nil

        case .exec, .panic:
            try checkNoReadWriteMounts(step)
            if step.action == .panic, parts.crashKernelLoaded() == false {
                // A panic now would hang the machine with nothing saved: roll back instead.
                throw RunError(.unavailable, operation: "panic",
                               "no capture kernel is loaded any more (/sys/kernel/kexec_crash_loaded is 0): a kdump "
                               + "service stopped by the isolate unloaded it (give it IgnoreOnIsolate=yes)")
            }
            if !undo.journalMoved { recordOutcome(undo, remaining: [step]) }
            if step.action == .panic, let kdumpTestID {
                // Best effort: kreboot's own saver matches the test by its record even without the marker.
                do {
                    try parts.kernelLog.write(KdumpTestRecord.marker(id: kdumpTestID))
                } catch {
                    parts.journal.record(JournalRecord(.step, "kreboot: kdump test marker not written: \(error.message)",
                                                       priority: .warning))
                }
            }
            do {
                if step.action == .exec { try parts.loader.exec() } else { try parts.loader.panic() }
            } catch {
                throw RunError(loading: error, code: .failed)
            }
            return nil

        case .handOver(let unit, let mode):
            try quiesce { () throws(QuiesceError) in try parts.services.enqueueStart(unit: unit, mode: mode) }
            undo.handedOver = true
            parts.journal.record(JournalRecord(.executed, "kreboot: handed over to systemd's \(unit)", priority: .notice,
                                               fields: ["UNIT": unit]))
            return "systemd stops services, unmounts and executes the loaded kernel"
        }
    }

    /// Journals the quiesce so far and the exec (or panic) to come, with the steps still before it.
    private func recordOutcome(_ undo: UndoLog, remaining: ArraySlice<PlanStep>) {
        let unmounted = (undo.networkUnmounted.map(\.mount) + undo.detached.map(\.mount) + undo.unmounted).map(\.target)
        let before = remaining.filter { $0.action != .exec && $0.action != .panic }.map(\.summary)
        let then = before.isEmpty ? "" : "; then: " + before.joined(separator: ", ")
        if undo.quiesced {
            parts.journal.record(JournalRecord(.quiesced, "kreboot: quiesced (unmounted \(unmounted.count), read-only \(undo.madeReadOnly.count), swaps off \(undo.swapsOff.count))\(then)",
                                               fields: ["UNMOUNTED": unmounted.joined(separator: " "),
                                                        "READ_ONLY": undo.madeReadOnly.joined(separator: " ")]))
        }
        if remaining.contains(.panic) {
            parts.journal.record(JournalRecord(.kdumpTestPending, "kreboot: kdump test: crashing the kernel\(then.isEmpty ? " now" : then)",
                                               priority: .notice))
        } else if remaining.contains(.exec) {
            parts.journal.record(JournalRecord(.executed, "kreboot: executing the loaded kernel\(then.isEmpty ? " now" : then)",
                                               priority: .notice))
        }
    }

    /// Unmounts `mount`; a busy one is remounted read-only instead (and the step says so); if that fails too,
    /// the step fails naming who holds it.
    private func unmount(_ mount: MountEntry, retry: BusyRetry, undo: inout UndoLog) throws(RunError) -> String? {
        let path = mount.target
        do {
            try parts.mounts.unmount(path: path)
            undo.unmounted.append(mount)
            return nil
        } catch where error.errno == .resourceBusy {
            do {
                _ = try remountReadOnly(path, retry: retry)
            } catch let remountError {
                throw RunError(.busy, operation: "unmount \(path)", path: path, errno: remountError.errno,
                               blockers: writers(of: path),
                               "\(error.message); remounting read-only instead failed too: \(remountError.message)")
            }
            undo.madeReadOnly.append(path)
            return "\(path) is busy: remounted read-only instead"
        } catch {
            throw RunError(error)
        }
    }

    /// Unmounts a network file system (or something mounted on one) before the isolate, bounded by the step's
    /// time limit; a detach step detaches it lazily. A busy one is remounted read-only instead, within the same
    /// limit. A timeout fails the step (75) naming the mount and the server, and the run rolls back.
    private func unmountNetwork(_ mount: MountEntry, _ network: NetworkUnmount, undo: inout UndoLog) throws(RunError) -> String? {
        let path = mount.target, server = network.server
        do {
            try parts.networkMounts.unmount(mount, server: server, detach: network.detach, force: network.force,
                                            timeout: network.timeout)
        } catch where error.errno == .resourceBusy && !network.detach {
            do {
                try parts.networkMounts.remountReadOnly(mount, server: server, timeout: network.timeout)
            } catch let remountError {
                throw RunError(remountError.code == .timedOut ? .timedOut : .busy, operation: "unmount \(path)", path: path,
                               errno: remountError.errno, blockers: writers(of: path),
                               "\(error.message); remounting read-only instead failed too: \(remountError.message)")
            }
            undo.networkReadOnly.append((mount, server))
            return "\(path) is busy: remounted read-only instead"
        } catch {
            throw RunError(error)
        }
        if network.detach {
            undo.detached.append((mount, server))
            return "server \(server) did not answer: detached lazily"
        }
        undo.networkUnmounted.append((mount, server))
        return nil
    }

    /// Remounts `path` read-only; while the file system is busy, syncs it, waits and tries again as `retry` says.
    /// Returns a note when it took more than one try.
    func remountReadOnly(_ path: String, retry: BusyRetry) throws(RunError) -> String? {
        var attemptsLeft = retry.attempts
        while true {
            do {
                try parts.mounts.remountReadOnly(path: path)
                let retries = retry.attempts - attemptsLeft
                return retries == 0 ? nil : "\(path) was busy; read-only after \(retries) \(retries == 1 ? "retry" : "retries")"
            } catch where error.errno == .resourceBusy && attemptsLeft > 0 {
                attemptsLeft -= 1
                try? parts.mounts.sync(path: path)
                let (seconds, attoseconds) = retry.interval.components
                if retry.interval > .zero { usleep(UInt32(seconds * 1_000_000 + attoseconds / 1_000_000_000_000)) }
            } catch {
                throw RunError(error)
            }
        }
    }

    /// Before exec or panic: a local file system still mounted read-write would come back dirty. No override.
    private func checkNoReadWriteMounts(_ step: PlanStep) throws(RunError) {
        let remaining = try quiesce { () throws(QuiesceError) in try parts.mounts.readWriteLocalMounts() }
        guard let first = remaining.first else { return }
        let list = remaining.map { "\($0.target) (\($0.source))" }.joined(separator: ", ")
        throw RunError(.unsafeMounts, operation: step.action.rawValue, path: first.target,
                       blockers: writers(of: first.target),
                       "still mounted read-write: \(list); refusing to \(step.action.rawValue)")
    }

    /// The writers of `path` for an error message; empty when they cannot be found.
    func writers(of path: String) -> [MountWriter] {
        (try? parts.mounts.writers(of: path)) ?? []
    }
}
