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
        command line is the kdump configuration's, else the running one without crashkernel= plus \
        "irqpoll nr_cpus=1 reset_devices". Loading goes through kexec_file_load; kexec-tools is used only when \
        the kernel cannot load the image that way and lockdown is off.
        """)

    @OptionGroup var global: GlobalOptions
    @OptionGroup var target: TargetOptions

    @Flag(name: .long, help: "Load the capture kernel into the crashkernel reservation (like kexec -p).")
    var crash = false

    @Option(name: .customLong("state-file"), help: .hidden)
    var stateFile: String = KexecStateFile.defaultPath

    func validate() throws {
        try target.validate()
        if RootDirectory(global.root) != RootDirectory() {
            throw ValidationError("load works on the running system only; --root is for planning")
        }
    }

    /// For `--crash` without a reservation, the kernel parameters `kreboot calibrate` recommends.
    private func crashkernelSuggestion(_ snapshot: SystemSnapshot) -> String {
        guard crash, snapshot.kernel.crashReservedBytes == 0 else { return "crashkernel=256M" }
        let inputs = CalibrationInputsReader.read(root: snapshot.root, state: snapshot.kernel, config: snapshot.kdump, luns: nil)
        let parameters = CrashkernelCalibrator.calibrate(inputs).parameters
        return parameters.isEmpty ? "crashkernel=256M" : parameters
    }

    func run() throws {
        let options = target.planOptions(mode: crash ? .kdumpTest : .reboot, policy: RunPolicy(ignoreSessions: true))
        let snapshot = PlanSession(global: global).snapshot(options)
        let preflight = KexecPreflight(process: snapshot.process, kernel: snapshot.kernel,
                                       suggestedCrashkernel: crashkernelSuggestion(snapshot))
        let operation = crash ? "crash load" : "load"
        do {
            try preflight.checkEnvironment(operation: operation)
        } catch {
            Terminal.error(error.message)
            throw ExitCode(ExitStatus.forKexec(error))
        }
        let plan = RebootPlanner.plan(snapshot, options)
        let targetChecks: Set<CheckID> = [.bootEntry, .kernelImage, .initrd]
        if let failure = plan.checks.first(where: { $0.status == .fail && targetChecks.contains($0.id) }) {
            Terminal.error(failure.message)
            throw ExitCode(ExitStatus.forCheck(failure.id))
        }
        guard let chosen = plan.target else {
            Terminal.error("no kernel to load")
            throw ExitCode(ExitStatus.badData)
        }
        let info = snapshot.files[chosen.kernel]?.image
        let image = KexecImage(kernel: chosen.kernel, initrds: chosen.initrds, commandLine: chosen.commandLine)
        let record: KexecLoadRecord
        do {
            let policy = try preflight.checkLoad(kernelPath: chosen.kernel, image: info, crash: crash)
            for note in policy.notes { Terminal.error(note) }
            let loader = TrackedKexecLoader(loader: .system(policy: policy), stateFile: KexecStateFile(path: stateFile))
            let (loaded, stateProblem) = try loader.loadAndRecord(image, crash: crash)
            if let stateProblem { Terminal.error("warning: \(stateProblem.message)") }
            record = loaded
        } catch {
            Terminal.error(error.message)
            throw ExitCode(ExitStatus.forKexec(error))
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
