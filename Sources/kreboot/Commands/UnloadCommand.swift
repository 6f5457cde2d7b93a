import ArgumentParser
import Execution
import Kdump
import LinuxSystem
import Quiesce
import KexecCore
import RebootPlan

/// `kreboot unload [--crash]`: unloads the loaded kernel (like `kexec -u`) or the capture kernel (`kexec -p -u`).
struct UnloadCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "unload",
        abstract: "Unload the kernel loaded for kexec (like kexec -u), or the capture kernel with --crash.")

    @OptionGroup var global: GlobalOptions

    @Flag(name: .long, help: "Unload the capture kernel instead.")
    var crash = false

    @Option(name: .customLong("state-file"), help: .hidden)
    var stateFile: String = KexecStateFile.defaultPath

    func validate() throws {
        if !RootDirectory(global.root).isRealRoot {
            throw ValidationError("unload works on the running system only; --root is for planning")
        }
    }

    func run() throws {
        do {
            try KernelLoading(stateFile: stateFile).unload(crash: crash)
        } catch {
            Terminal.error(error.message)
            throw ExitCode(ExitStatus.forKexec(error))
        }
        if global.json {
            try JSONOutput.print(["unloaded": crash ? "crash" : "kernel"])
        } else {
            print(crash ? "unloaded the capture kernel" : "unloaded the kernel")
        }
    }
}
