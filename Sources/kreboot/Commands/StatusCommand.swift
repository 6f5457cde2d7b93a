import ArgumentParser
import Execution
import Kdump
import LinuxSystem
import KexecCore
import Quiesce
import RebootPlan

/// `kreboot status`: whether a kernel and a capture kernel are loaded, the crash reservation, lockdown,
/// kexec_load_disabled, what kreboot loaded and when, whether the last kreboot reboot was verified,
/// and the outcome of the last kdump test.
struct StatusCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "status",
        abstract: "Show the kexec state, the last reboot's verification and the last kdump test's outcome.")

    @OptionGroup var global: GlobalOptions

    @Option(name: .customLong("state-file"), help: .hidden)
    var stateFile: String = KexecStateFile.defaultPath

    /// The JSON form: the kexec state plus the two records.
    struct Report: Encodable {
        let status: KexecStatus
        let lastReboot: RebootRecord?
        let kdumpTest: KdumpTestRecord?

        enum Key: String, CodingKey { case lastReboot, kdumpTest }

        func encode(to encoder: any Encoder) throws {
            try status.encode(to: encoder)
            var c = encoder.container(keyedBy: Key.self)
            try c.encode(lastReboot, forKey: .lastReboot)
            try c.encode(kdumpTest, forKey: .kdumpTest)
        }
    }

    func run() throws {
        let root = RootDirectory(global.root)
        let kernel = KernelStateReader.read(root: root)
        let status = KexecStatus(kernel: kernel, recorded: KexecStateFile(path: stateFile).read())
        let report = Report(status: status, lastReboot: lastReboot(root), kdumpTest: kdumpTest(root))
        if global.json {
            try JSONOutput.print(report)
            return
        }
        var lines = status.text
        if let r = report.lastReboot {
            lines.append("last reboot:          \(r.state.rawValue) — \(r.message ?? r.kernel) (\(r.time))")
        }
        if let t = report.kdumpTest {
            lines.append("last kdump test:      \(t.state.rawValue) — \(t.message ?? t.id) (\(t.time))")
        }
        print(lines.joined(separator: "\n"))
    }

    /// The last reboot record, verified against this boot (and stored back when its state changed).
    private func lastReboot(_ root: RootDirectory) -> RebootRecord? {
        let path = root.hostPath(RebootRecord.defaultPath)
        guard let record = RebootRecord.read(path: path) else { return nil }
        let checked = record.verified(bootID: root.readLine("/proc/sys/kernel/random/boot_id") ?? record.fromBootID,
                                      release: root.readLine("/proc/sys/kernel/osrelease"),
                                      commandLine: root.readLine("/proc/cmdline") ?? "")
        if checked != record { try? checked.write(path: path) }
        return checked
    }

    /// The last kdump test record, resolved against the saved dumps once the test's boot is over.
    /// The resolution is recorded in the journal (kdump test succeeded / failed MESSAGE_IDs).
    private func kdumpTest(_ root: RootDirectory) -> KdumpTestRecord? {
        let path = root.hostPath(KdumpTestRecord.defaultPath)
        let before = try? KdumpTestRecord.read(path: path)
        let saveDir = root.hostPath(KdumpConfigReader.read(root: root)?.localSaveDir ?? "/var/crash")
        let after = try? KdumpTestRecord.resolveStored(path: path, saveDir: saveDir)
        if let after, before?.state == .pending, after.state != .pending, root.isRealRoot {
            let succeeded = after.state == .succeeded
            SystemdJournal().record(JournalRecord(
                succeeded ? .kdumpTestSucceeded : .kdumpTestFailed,
                "kreboot: kdump test \(after.id) \(succeeded ? "succeeded" : "failed"): \(after.message ?? "")",
                priority: succeeded ? .notice : .error,
                fields: ["KDUMP_TEST_ID": after.id, "DUMP_PATH": after.dumpPath ?? ""]))
        }
        return after
    }
}
