import ArgumentParser
import Execution
import Kdump
import LinuxSystem
import KexecCore
import Quiesce
import RebootPlan

/// The options that choose what to boot and with which command line.
struct TargetOptions: ParsableArguments {
    @Option(name: .long, help: ArgumentHelp("Boot this entry: an id, a title, or an index such as 2 or 1>0.", valueName: "ID"))
    var entry: String?

    @Option(name: .long, help: ArgumentHelp("Boot this kernel image instead of a boot loader entry.", valueName: "PATH"))
    var kernel: String?

    @Option(name: .long, help: ArgumentHelp("Use this initrd (repeat for several, loaded in order).", valueName: "PATH"))
    var initrd: [String] = []

    @Option(name: .long, help: ArgumentHelp("Append these parameters to the command line.", valueName: "ARGS"))
    var append: String?

    @Option(name: .customLong("command-line"), help: ArgumentHelp("Use exactly this command line.", valueName: "ARGS"))
    var commandLine: String?

    @Flag(name: .customLong("reuse-cmdline"), help: "Use the running kernel's command line (without BOOT_IMAGE= and initrd=).")
    var reuseCmdline = false

    func validate() throws {
        if commandLine != nil && reuseCmdline {
            throw ValidationError("--command-line and --reuse-cmdline exclude each other")
        }
        if entry != nil && kernel != nil {
            throw ValidationError("--entry and --kernel exclude each other")
        }
        if !initrd.isEmpty && kernel == nil && entry == nil {
            // An initrd override of the default entry is allowed; nothing to check.
        }
    }

    /// These options as the planner's.
    func planOptions(mode: PlanMode, policy: RunPolicy = RunPolicy()) -> PlanOptions {
        PlanOptions(mode: mode, entry: entry, kernel: kernel, initrds: initrd, append: append,
                    commandLine: commandLine, reuseCommandLine: reuseCmdline, policy: policy)
    }
}
