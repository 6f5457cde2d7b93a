import Kdump
import KexecCore
import LinuxSystem
import RebootPlan

/// `kreboot load [--crash]` and `kreboot unload [--crash]` on the running system: the kernel chosen as for a
/// reboot (or the capture kernel), the preflight of `KexecRules` first, then the loader chain the preflight
/// allows (kexec_file_load; kexec-tools only without lockdown), the load kept in the state file.
public struct KernelLoading {
    /// What a load did.
    public struct Loaded: Sendable {
        public var record: KexecLoadRecord
        /// Remarks for the user (e.g. that only a signed kernel loads under lockdown).
        public var notes: [String]
        /// Why the state file could not be written, when it could not (the load stands).
        public var stateProblem: KexecError?
    }

    /// Why nothing was loaded.
    public enum Refusal: Error, Sendable {
        /// The loader or the preflight refused.
        case kexec(KexecError)
        /// A check about the target failed (no entry, a missing or corrupt kernel or initrd).
        case check(PlanCheck)
    }

    public var stateFile: String

    public init(stateFile: String = KexecStateFile.defaultPath) {
        self.stateFile = stateFile
    }

    /// Loads what `RebootPlanner` picks from `snapshot` for `options` (its `mode` says reboot or capture kernel).
    public func load(_ snapshot: SystemSnapshot, options: PlanOptions) -> Result<Loaded, Refusal> {
        let crash = options.mode == .kdumpTest
        let preflight = KexecPreflight(process: snapshot.process, kernel: snapshot.kernel,
                                       suggestedCrashkernel: Self.crashkernelSuggestion(snapshot, crash: crash))
        do {
            try preflight.checkEnvironment(operation: crash ? "crash load" : "load")
        } catch {
            return .failure(.kexec(error))
        }
        let plan = RebootPlanner.plan(snapshot, options)
        let targetChecks: Set<CheckID> = [.bootEntry, .kernelImage, .initrd, .kdumpConfig]
        if let failure = plan.checks.first(where: { $0.status == .fail && targetChecks.contains($0.id) }) {
            return .failure(.check(failure))
        }
        guard let chosen = plan.target else {
            return .failure(.check(PlanCheck(.bootEntry, .fail, "no kernel to load")))
        }
        let image = KexecImage(kernel: chosen.kernel, initrds: chosen.initrds, commandLine: chosen.commandLine)
        return load(image, info: snapshot.files[chosen.kernel]?.image, crash: crash, preflight: preflight)
    }

    /// Loads `image` (inspected as `info`) after `preflight`'s load checks, through the loader chain its policy
    /// allows, and records it in the state file.
    public func load(_ image: KexecImage, info: KernelImageInfo?, crash: Bool,
                     preflight: KexecPreflight) -> Result<Loaded, Refusal> {
        do {
            let policy = try preflight.checkLoad(kernelPath: image.kernel, image: info, crash: crash)
            let loader = TrackedKexecLoader(loader: .system(policy: policy), stateFile: KexecStateFile(path: stateFile))
            let (record, stateProblem) = try loader.loadAndRecord(image, crash: crash)
            return .success(Loaded(record: record, notes: policy.notes, stateProblem: stateProblem))
        } catch {
            return .failure(.kexec(error))
        }
    }

    /// Unloads the kernel (or the capture kernel) after the environment preflight, and forgets its record.
    public func unload(crash: Bool, root: RootDirectory = RootDirectory()) throws(KexecError) {
        let kernel = KernelStateReader.read(root: root)
        try KexecPreflight(process: .current(), kernel: kernel).checkEnvironment(operation: crash ? "crash unload" : "unload")
        try TrackedKexecLoader(loader: .system(lockdown: kernel.lockdown), stateFile: KexecStateFile(path: stateFile))
            .unload(crash: crash)
    }

    /// For a capture kernel without a reservation, the kernel parameters `kreboot calibrate` recommends.
    static func crashkernelSuggestion(_ snapshot: SystemSnapshot, crash: Bool) -> String {
        guard crash, snapshot.kernel.crashReservedBytes == 0 else { return "crashkernel=256M" }
        let inputs = CalibrationInputsReader.read(root: snapshot.root, state: snapshot.kernel, config: snapshot.kdump, luns: nil)
        let parameters = CrashkernelCalibrator.calibrate(inputs).parameters
        return parameters.isEmpty ? "crashkernel=256M" : parameters
    }
}
