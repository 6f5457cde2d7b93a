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
        let directory: RunDirectory
        do {
            var kdumpTestID: String?
            if plan.mode == .reboot {
                // Written while / is still writable; `kreboot status` in the next boot verifies it.
                let root = RootDirectory()
                try RebootRecord(fromBootID: root.readLine("/proc/sys/kernel/random/boot_id") ?? "unknown",
                                 fromRelease: root.readLine("/proc/sys/kernel/osrelease"), kernel: target.kernel,
                                 expectedRelease: target.release, expectedCommandLine: target.commandLine).write()
            }
            if plan.mode == .kdumpTest {
                // Written while / is still writable; the capture kernel's save-dump records this id with the dump.
                let record = KdumpTestRecord.pending(release: target.release)
                try record.write()
                kdumpTestID = record.id
                Terminal.writeStderr("kdump test \(record.id) pending (\(KdumpTestRecord.defaultPath))\n")
            }
            directory = try RunDirectory.create()
            try directory.write(RunDirectory.Request(
                plan: plan, image: KexecImage(kernel: target.kernel, initrds: target.initrds, commandLine: target.commandLine),
                force: force, kdumpTestID: kdumpTestID))
        } catch {
            Terminal.error("cannot prepare the run under \(RunDirectory.base): \(error)")
            return .internalError
        }
        if underSystemd && ProcessInfo.processInfo.environment["KREBOOT_IN_PROCESS"] == nil {
            return runInTransientUnit(directory)
        }
        return ExecutorRun(directory: directory).run()
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

    /// Copies new progress lines to stderr until result.json appears. A successful run never ends here: the
    /// machine goes down with this process.
    private func follow(_ directory: RunDirectory) -> ExitStatus {
        var offset: UInt64 = 0
        while true {
            if let handle = FileHandle(forReadingAtPath: directory.progressFile) {
                try? handle.seek(toOffset: offset)
                let data = handle.readDataToEndOfFile()
                offset += UInt64(data.count)
                try? handle.close()
                if !data.isEmpty { Terminal.writeStderr(String(decoding: data, as: UTF8.self)) }
            }
            if let result = directory.readResult() {
                if !result.ok {
                    Terminal.error(result.message)
                    if !result.rolledBack.isEmpty { Terminal.error("rolled back: " + result.rolledBack.joined(separator: ", ")) }
                    for blocker in result.blockers { Terminal.error("blocked by: \(blocker)") }
                }
                return ExitStatus(rawValue: result.exitStatus) ?? .internalError
            }
            usleep(50_000)
        }
    }
}
