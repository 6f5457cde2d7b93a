import Kdump
import KexecCore
import LinuxSystem
import Quiesce
import RebootPlan

/// What `kreboot status` shows: the kexec state, the last reboot verified against this boot, and the last
/// kdump test resolved against the saved dumps. Reading it changes nothing; `record()` stores the verified
/// records and journals the kdump test's outcome, once per boot (kreboot-verify.service runs
/// `kreboot status --record`).
public struct BootStatus: Encodable, Sendable {
    public let status: KexecStatus
    public let lastReboot: RebootRecord?
    public let kdumpTest: KdumpTestRecord?
    /// The records as they are stored, to tell what `record()` would change.
    let storedReboot: RebootRecord?
    let storedKdumpTest: KdumpTestRecord?
    let root: RootDirectory

    /// Reads the state and the records under `root` and verifies them against this boot, without writing.
    public static func read(root: RootDirectory, stateFile: String = KexecStateFile.defaultPath) -> BootStatus {
        let kernel = KernelStateReader.read(root: root)
        let status = KexecStatus(kernel: kernel, recorded: KexecStateFile(path: stateFile).read())
        let storedReboot = RebootRecord.read(root: root, path: RebootRecord.defaultPath)
        let reboot = storedReboot.map {
            $0.verified(bootID: root.readLine("/proc/sys/kernel/random/boot_id") ?? $0.fromBootID,
                        release: root.readLine("/proc/sys/kernel/osrelease"),
                        commandLine: root.readLine("/proc/cmdline") ?? "")
        }
        let storedTest = (try? KdumpTestRecord.read(root: root, path: KdumpTestRecord.defaultPath)) ?? nil
        let saveDir = KdumpConfigReader.read(root: root)?.localSaveDir ?? "/var/crash"
        let test = storedTest.map { record in
            guard record.state == .pending else { return record }
            let dumps = record.searchDirectories(krebootSaveDir: saveDir).flatMap { DumpCatalog.list(root: root, saveDir: $0) }
            return record.resolved(with: dumps, kernelLog: { KdumpTestRecord.kernelLog(of: $0, root: root) })
        }
        return BootStatus(status: status, lastReboot: reboot, kdumpTest: test, storedReboot: storedReboot,
                          storedKdumpTest: storedTest, root: root)
    }

    /// Stores what verification changed and journals a kdump test's outcome (real root only). Returns what
    /// it wrote, one line each.
    public func record(journal: any JournalRecorder = SystemdJournal()) throws -> [String] {
        var written: [String] = []
        if let lastReboot, lastReboot != storedReboot {
            try lastReboot.write(path: RebootRecord.defaultPath, root: root)
            written.append("\(RebootRecord.defaultPath): \(lastReboot.state.rawValue)")
        }
        if let kdumpTest, let storedKdumpTest, kdumpTest != storedKdumpTest {
            try kdumpTest.write(path: KdumpTestRecord.defaultPath, root: root)
            written.append("\(KdumpTestRecord.defaultPath): \(kdumpTest.state.rawValue)")
            if storedKdumpTest.state == .pending && root.isRealRoot {
                let succeeded = kdumpTest.state == .succeeded
                journal.record(JournalRecord(
                    succeeded ? .kdumpTestSucceeded : .kdumpTestFailed,
                    "kreboot: kdump test \(kdumpTest.id) \(succeeded ? "succeeded" : "failed"): \(kdumpTest.message ?? "")",
                    priority: succeeded ? .notice : .error,
                    fields: ["KDUMP_TEST_ID": kdumpTest.id, "DUMP_PATH": kdumpTest.dumpPath ?? ""]))
            }
        }
        return written
    }

    private enum Key: String, CodingKey { case lastReboot, kdumpTest }

    public func encode(to encoder: any Encoder) throws {
        try status.encode(to: encoder)
        var c = encoder.container(keyedBy: Key.self)
        try c.encode(lastReboot, forKey: .lastReboot)
        try c.encode(kdumpTest, forKey: .kdumpTest)
    }
}
