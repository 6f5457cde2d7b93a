import ArgumentParser
import FoundationEssentials
import Execution
import Kdump
import LinuxSystem
import Quiesce
import KexecCore
import RebootPlan

/// `kreboot load [--crash]`: loads the kernel kreboot would boot (like `kexec -l`), or the capture kernel
/// (like `kexec -p`), without executing it. Preflight first; nothing is loaded when a check fails.
struct LoadCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "load",
        abstract: "Load the target kernel for a later kexec (like kexec -l), or the capture kernel with --crash (like kexec -p).",
        discussion: """
        The kernel is chosen as for a reboot (the boot loader's default, --entry or --kernel). With --crash the \
        capture kernel is the kdump test's (KDUMP_KERNEL, else the running kernel's entry) and its command line \
        is built by the one rule every capture kernel of kreboot gets (see kreboot kdump --help): \
        KDUMP_COMMANDLINE or the running one without crashkernel= and the like, plus "irqpoll nr_cpus=1 \
        reset_devices", --append, KDUMP_COMMANDLINE_APPEND and kreboot's save-dump entry; --command-line \
        replaces all of it. Loading goes through kexec_file_load; kexec-tools is used only when the kernel \
        cannot load the image that way and lockdown is off.
        """)

    @OptionGroup var global: GlobalOptions
    @OptionGroup var target: TargetOptions

    @Flag(name: .long, help: "Load the capture kernel into the crashkernel reservation (like kexec -p).")
    var crash = false

    @Option(name: .customLong("state-file"), help: .hidden)
    var stateFile: String = KexecStateFile.defaultPath

    func validate() throws {
        try target.validate()
        if !RootDirectory(global.root).isRealRoot {
            throw ValidationError("load works on the running system only; --root is for planning")
        }
    }

    func run() throws {
        let options = target.planOptions(mode: crash ? .kdumpTest : .reboot, policy: RunPolicy(ignoreSessions: true))
        let snapshot = PlanSession(global: global).snapshot(options)
        let record: KexecLoadRecord
        switch KernelLoading(stateFile: stateFile).load(snapshot, options: options) {
        case .success(let loaded):
            for note in loaded.notes { Terminal.error(note) }
            if let problem = loaded.stateProblem { Terminal.error("warning: \(problem.message)") }
            record = loaded.record
        case .failure(.kexec(let error)):
            Terminal.error(error.message)
            throw ExitCode(ExitStatus.forKexec(error))
        case .failure(.check(let check)):
            Terminal.error(check.message)
            throw ExitCode(ExitStatus.forCheck(check.id))
        }
        if global.json {
            try JSONOutput.print(record)
        } else {
            let what = crash ? "capture kernel" : "kernel"
            print("loaded \(what) \(record.kernel)" + (record.release.map { " (\($0))" } ?? "") + " via \(record.method.rawValue)")
            for initrd in record.initrds { print("  initrd   \(initrd)") }
            print("  cmdline  \(record.commandLine)")
        }
    }
}
