import FoundationEssentials
import Glibc
import LinuxSystem
import KexecCore
import Quiesce
import RebootPlan

/// A real run: refuses a failed plan, checks inhibitors, asks for confirmation, writes the records and the
/// run directory, then runs the plan in this process, which moves itself (beside the kernel load) into a
/// transient scope that survives the isolate, and from then on stops only between steps (Ctrl-C rolls back).
struct PipelineRunner {
    let plan: RebootPlan
    let assumeYes: Bool
    let force: Bool
    /// Who quiesces after the load: kreboot's executor, or systemd's kexec.target.
    var via: Via = .kreboot
    var services: any ServiceManager = SystemdServiceManager()
    /// Whether systemd is PID 1 here (/run/systemd/system exists).
    var underSystemd: Bool = FileManager.default.fileExists(atPath: "/run/systemd/system")
    /// How long planning took, shown before the steps.
    var planDuration: Duration?

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
        let directChildOfSystemd = underSystemd && getppid() == 1
        // From here on a Ctrl-C or SIGTERM stops the run between steps, with its records marked, never half-way.
        // Not in a service's main process: the isolate stops that service with SIGTERM and must not wait for it.
        if !directChildOfSystemd { RunSignals.install() }
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
        let request = RunDirectory.Request(plan: plan, image: image, force: force, kdumpTestID: kdumpTestID)
        let directory: RunDirectory
        do {
            directory = try RunDirectory.create()
            try directory.write(request)
        } catch {
            Terminal.error("cannot prepare the run under \(RunDirectory.base): \(error)")
            return .internalError
        }
        Terminal.writeStderr(summary(of: target) + "\n")
        if directChildOfSystemd {
            // A direct child of systemd (the main process of a service, e.g. from a timer) is signalled by the
            // isolate's stop of that service wherever it is; a child of it is not, once in its own scope.
            return ExecutorChild(directory: directory).run()
        }
        return ConfirmedRun(request: request, directory: directory, services: services, underSystemd: underSystemd).run()
    }

    /// `plan ready in 0.14 s: kexec /boot/vmlinuz-6.1.0-13-amd64 (6.1.0-13-amd64), 6 steps`
    private func summary(of target: BootTarget) -> String {
        let took = planDuration.map { "plan ready in \(ProgressLog.seconds($0))" } ?? "plan ready"
        let what = plan.mode == .reboot ? "kexec" : "capture kernel"
        return "\(took): \(what) \(target.kernel) (\(target.release ?? "release unknown")), \(plan.steps.count) steps"
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
        let handover = SystemdKexecHandover(loader: LoaderFactory.make(), services: services, journal: SystemdJournal()) {
            () throws(QuiesceError) in
            if RunSignals.interrupted {
                throw QuiesceError(.interrupted, operation: "hand over to systemd",
                                   "interrupted after the load; \(SystemdKexecHandover.unit) was not started")
            }
        }
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
}
