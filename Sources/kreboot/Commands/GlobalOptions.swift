import LinuxSystem
import Kdump
import RebootPlan
import KexecCore
import Quiesce
import Execution
import ArgumentParser

/// Options every kreboot command takes: output format and the root of the system to read.
struct GlobalOptions: ParsableArguments {
    @Flag(name: .long, help: "Print the result as JSON on stdout (for scripts and fleets).")
    var json = false

    @Option(name: .long, help: ArgumentHelp("Read the system under DIR instead of / (planning only).", valueName: "DIR"))
    var root: String = "/"
}
