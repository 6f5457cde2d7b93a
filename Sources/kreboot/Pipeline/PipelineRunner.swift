import Foundation
import KexecCore
import Quiesce
import RebootPlan

/// The CLI side of a real run: refuses a failed plan, checks inhibitors, asks for confirmation, prepares the
/// run directory, starts the executor in a transient unit that survives the isolate, and follows its progress
/// until the machine goes down or the executor reports a rollback.
struct PipelineRunner {
    let plan: RebootPlan
    let assumeYes: Bool
    let force: Bool
    /// Who quiesces after the load: kreboot's executor, or systemd's kexec.target.
    var via: Via = .kreboot
    var services: any ServiceManager = SystemdServiceManager()
    /// Whether systemd is PID 1 here (/run/systemd/system exists).
    var underSystemd: Bool = FileManager.default.fileExists(atPath: "/run/systemd/system")

    func run() -> ExitStatus {
        guard plan.root == "/" else {
            Terminal.error("a real run needs the real root; --root \(plan.root) is for planning (--dry-run) only")
            return .usage
        }
        if plan.firstFailure != nil {
            for check in plan.checks where check.status == .fail { Terminal.error("\(check.id.rawValue): \(check.message)") }
            return ExitStatus.forPlan(plan)
        }
        guard let target = plan.target else { return .badData }
        if underSystemd, let blocking = blockingInhibitor(), !force {
            Terminal.error("shutdown is inhibited by \(blocking); use --force to reboot anyway")
            return .temporary
        }
        switch Confirmation(assumeYes: assumeYes).ask(for: plan, hostName: Confirmation.hostName()) {
        case .confirmed: break
        case .declined:
            Terminal.error("cancelled; nothing was changed")
            return .internalError
        case .noTerminal:
            Terminal.error("no terminal to confirm on: pass --yes to run without confirmation")
            return .usage
        }
        let image = KexecImage(kernel: target.kernel, initrds: target.initrds, commandLine: target.commandLine)
        let kdumpTestID: String?
        do {
            kdumpTestID = try writeRecords(for: target)
        } catch {
            Terminal.error("cannot write kreboot's records under /var/lib/kreboot: \(error)")
            return .internalError
        }
        if via == .systemd {
            return handOverToSystemd(image)
        }
        let directory: RunDirectory
        do {
            directory = try RunDirectory.create()
            try directory.write(RunDirectory.Request(plan: plan, image: image, force: force, kdumpTestID: kdumpTestID))
        } catch {
            Terminal.error("cannot prepare the run under \(RunDirectory.base): \(error)")
            return .internalError
        }
        if underSystemd && ProcessInfo.processInfo.environment["KREBOOT_IN_PROCESS"] == nil {
            return runInTransientUnit(directory)
        }
        return ExecutorRun(directory: directory).run()
    }

    /// Written while / is still writable: the reboot record that `kreboot status` verifies in the next boot,
    /// or the pending kdump test record whose id the capture kernel's save-dump stores with the dump.
    /// Returns the kdump test's id.
    private func writeRecords(for target: BootTarget) throws -> String? {
        switch plan.mode {
        case .reboot:
            let root = RootDirectory()
            try RebootRecord(fromBootID: root.readLine("/proc/sys/kernel/random/boot_id") ?? "unknown",
                             fromRelease: root.readLine("/proc/sys/kernel/osrelease"), kernel: target.kernel,
                             expectedRelease: target.release, expectedCommandLine: target.commandLine).write()
            return nil
        case .kdumpTest:
            let record = KdumpTestRecord.pending(release: target.release)
            try record.write()
            Terminal.writeStderr("kdump test \(record.id) pending (\(KdumpTestRecord.defaultPath))\n")
            return record.id
        }
    }

    /// `--via systemd`: load, then start kexec.target as `systemctl kexec` does; systemd quiesces.
    private func handOverToSystemd(_ image: KexecImage) -> ExitStatus {
        let handover = SystemdKexecHandover(loader: LoaderFactory.make(), services: services, journal: SystemdJournal())
        do throws(QuiesceError) {
            try handover.run(plan, image: image)
            Terminal.writeStderr("loaded \(image.kernel); systemd is starting \(SystemdKexecHandover.unit)\n")
            return .ok
        } catch {
            RebootRecord.markRolledBack(error.message)
            Terminal.error(error.message)
            return ExitStatus.forQuiesce(error)
        }
    }

    private func blockingInhibitor() -> String? {
        guard let inhibitors = try? services.inhibitors() else { return nil }
        return inhibitors.first { $0.blocksShutdown }.map { "\($0.who) (\($0.why))" }
    }

    /// Starts `kreboot __execute` as kreboot-run-<id>.service (IgnoreOnIsolate=yes) and follows progress.log.
    private func runInTransientUnit(_ directory: RunDirectory) -> ExitStatus {
        let exe = (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? CommandLine.arguments[0]
        do throws(QuiesceError) {
            try services.startTransientService(
                name: "kreboot-run-\(directory.id).service",
                argv: [exe, "__execute", "--run-dir", directory.path],
                properties: [UnitProperty("Description", .string("kreboot run \(directory.id)"))])
        } catch {
            Terminal.error("cannot start the executor unit: \(error.message)")
            return .unavailable
        }
        return follow(directory)
    }

    /// Copies new progress lines to stderr until result.json appears. On a terminal the running step shows
    /// its elapsed time, updated in place; otherwise plain lines. A successful run never ends here: the
    /// machine goes down with this process.
    private func follow(_ directory: RunDirectory) -> ExitStatus {
        var offset: UInt64 = 0
        var pending = ""
        var ticker = StepTicker(enabled: isatty(2) == 1)
        while true {
            if let handle = FileHandle(forReadingAtPath: directory.progressFile) {
                try? handle.seek(toOffset: offset)
                let data = handle.readDataToEndOfFile()
                offset += UInt64(data.count)
                try? handle.close()
                pending += String(decoding: data, as: UTF8.self)
                while let newline = pending.firstIndex(of: "\n") {
                    ticker.show(String(pending[..<newline]))
                    pending = String(pending[pending.index(after: newline)...])
                }
            }
            if let result = directory.readResult() {
                ticker.finish()
                if !result.ok {
                    Terminal.error(result.message)
                    if !result.rolledBack.isEmpty { Terminal.error("rolled back: " + result.rolledBack.joined(separator: ", ")) }
                    for blocker in result.blockers { Terminal.error("blocked by: \(blocker)") }
                }
                return ExitStatus(rawValue: result.exitStatus) ?? .internalError
            }
            ticker.tick()
            usleep(100_000)
        }
    }
}

/// Shows progress lines on stderr. On a terminal, a step that has started (`… ...`) stays on one line with
/// its elapsed time updated in place until its result line replaces it; elsewhere every line is printed as is.
struct StepTicker {
    let enabled: Bool
    private var running: String?
    private var since = ContinuousClock.now

    init(enabled: Bool) { self.enabled = enabled }

    mutating func show(_ line: String) {
        guard enabled else { Terminal.writeStderr(line + "\n"); return }
        if running != nil { Terminal.writeStderr("\r\u{1B}[K") }
        if line.hasSuffix(" ...") {
            running = line
            since = .now
            Terminal.writeStderr(line)
        } else {
            running = nil
            Terminal.writeStderr(line + "\n")
        }
    }

    func tick() {
        guard enabled, let running else { return }
        Terminal.writeStderr("\r\u{1B}[K\(running) \(ProgressLog.seconds(ContinuousClock.now - since))")
    }

    mutating func finish() {
        if enabled && running != nil { Terminal.writeStderr("\n") }
        running = nil
    }
}
