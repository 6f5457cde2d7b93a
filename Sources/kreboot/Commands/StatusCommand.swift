import ArgumentParser
import Execution
import Kdump
import LinuxSystem
import KexecCore
import Quiesce
import RebootPlan

/// `kreboot status`: whether a kernel and a capture kernel are loaded, the crash reservation, lockdown,
/// kexec_load_disabled, what kreboot loaded and when, whether the last kreboot reboot was verified,
/// and the outcome of the last kdump test. Changes nothing; `--record` stores the verification.
struct StatusCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "status",
        abstract: "Show the kexec state, the last reboot's verification and the last kdump test's outcome.",
        discussion: """
        status reads and verifies; it writes nothing. With --record it also stores the verified
        records under /var/lib/kreboot and journals the kdump test's outcome: kreboot-verify.service
        runs `kreboot status --record` once per boot.
        """)

    @OptionGroup var global: GlobalOptions

    @Flag(name: .long, help: "Store the verified records and journal the kdump test's outcome (kreboot-verify.service).")
    var record = false

    @Option(name: .customLong("state-file"), help: .hidden)
    var stateFile: String = KexecStateFile.defaultPath

    func run() throws {
        let report = BootStatus.read(root: RootDirectory(global.root), stateFile: stateFile)
        if record {
            do {
                for line in try report.record() { Terminal.writeStderr("recorded \(line)\n") }
            } catch {
                Terminal.error("cannot store the verified records: \(error)")
                throw ExitCode(ExitStatus.internalError)
            }
        }
        if global.json {
            try JSONOutput.print(report)
            return
        }
        var lines = report.status.text
        if let r = report.lastReboot {
            lines.append("last reboot:          \(r.state.rawValue) — \(r.message ?? r.kernel) (\(r.time))")
        }
        if let t = report.kdumpTest {
            lines.append("last kdump test:      \(t.state.rawValue) — \(t.message ?? t.id) (\(t.time))")
        }
        print(lines.joined(separator: "\n"))
    }
}
