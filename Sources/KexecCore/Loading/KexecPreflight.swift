import LinuxSystem

/// How a load may proceed once the preflight passed.
public struct KexecLoadPolicy: Sendable, Equatable {
    /// Whether kexec-tools may be tried when kexec_file_load cannot handle the image (false under lockdown).
    public var allowsToolsFallback: Bool
    /// The lockdown mode the loaders report refusals against.
    public var lockdown: LockdownMode?
    /// Remarks for the user (e.g. that only a signed kernel loads under lockdown).
    public var notes: [String]
    /// How the load goes: kexec_file_load, or kexec-tools' kexec_load on a kernel without it.
    public var path: KexecLoadPath = KexecLoadPath(syscall: .kexecFileLoad, loader: .kreboot, signature: .kernelPolicy,
                                                   reason: "kexec_file_load")
}

/// The checks before anything is loaded or unloaded: who we are, where we run, what the kernel allows.
/// Pure: it reads a `ProcessContext` and a `KernelState` that were read before.
public struct KexecPreflight: Sendable {
    public var process: ProcessContext
    public var kernel: KernelState
    /// The kernel parameter suggested when no crashkernel memory is reserved (from `kreboot calibrate` when known).
    public var suggestedCrashkernel: String
    /// kexec-tools' `kexec`, when installed (needed where the kernel has no kexec_file_load).
    public var kexecTools: String?

    /// The preflight for this process and kernel state; `suggestedCrashkernel` is named when no memory is reserved;
    /// `kexecTools` is kexec-tools' binary (by default the installed one, found as `KexecToolsLoader` finds it).
    public init(process: ProcessContext, kernel: KernelState, suggestedCrashkernel: String = "crashkernel=256M",
                kexecTools: String? = KexecToolsLoader().executable) {
        self.process = process
        self.kernel = kernel
        self.suggestedCrashkernel = suggestedCrashkernel
        self.kexecTools = kexecTools
    }

    /// Permission and environment: in the initial namespaces, root, CAP_SYS_BOOT (77); kexec built in and not
    /// disabled (69). The rules are `KexecRules`', as the plan's checks.
    public func checkEnvironment(operation: String) throws(KexecError) {
        for finding in [KexecRules.privileges(process), KexecRules.kexecSupported(kernel), KexecRules.kexecLoadEnabled(kernel)] {
            if let error = finding.error(operation: operation) { throw error }
        }
    }

    /// Everything before a load: the environment, a way to load (kexec_file_load, or kexec-tools' kexec_load where
    /// the kernel has none: 69 when neither can), for `crash` a crashkernel reservation and — through kexec_load —
    /// what kexec-tools needs for a correct capture (69), and an image for this machine's architecture (65
    /// otherwise), signed under lockdown. Returns how the load may proceed.
    public func checkLoad(kernelPath: String, image: KernelImageInfo?, crash: Bool) throws(KexecError) -> KexecLoadPolicy {
        let operation = crash ? "crash load" : "load"
        try checkEnvironment(operation: operation)
        let loadPath = KexecRules.loadPath(kernel, kexecTools: kexecTools)
        var findings: [KexecFinding] = [loadPath]
        if crash {
            findings.append(KexecRules.crashReservation(kernel, suggested: suggestedCrashkernel))
            findings.append(KexecRules.crashCapture(kernel, machine: process.machineArch))
        }
        if let image { findings.append(KexecRules.architecture(kernelPath, image, machine: process.machineArch)) }
        let signature = KexecRules.signature(kernelPath, image, kernel)
        findings.append(signature)
        for finding in findings {
            if let error = finding.error(operation: operation, path: kernelPath) { throw error }
        }
        let locked = kernel.lockdown != nil && kernel.lockdown != LockdownMode.none
        let path = KexecLoadPath.decide(kernel)
        var notes = locked ? [signature.message] : []
        if path.syscall == .kexecLoad { notes.append(loadPath.message) }
        return KexecLoadPolicy(allowsToolsFallback: !locked, lockdown: kernel.lockdown, notes: notes, path: path)
    }
}
