import ArgumentParser
import KexecCore
import RebootPlan

/// `kreboot status`: whether a kernel and a capture kernel are loaded, the crash reservation, lockdown,
/// kexec_load_disabled, and what kreboot loaded and when.
struct StatusCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "status",
        abstract: "Show the kexec state: loaded kernels (and what kreboot loaded, when), crash reservation, lockdown.")

    @OptionGroup var global: GlobalOptions

    @Option(name: .customLong("state-file"), help: .hidden)
    var stateFile: String = KexecStateFile.defaultPath

    func run() throws {
        let kernel = KernelStateReader.read(root: RootDirectory(global.root))
        let status = KexecStatus(kernel: kernel, recorded: KexecStateFile(path: stateFile).read())
        if global.json {
            try JSONOutput.print(status)
        } else {
            print(status.text.joined(separator: "\n"))
        }
    }
}
