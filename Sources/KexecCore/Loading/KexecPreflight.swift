import LinuxSystem

/// How a load may proceed once the preflight passed.
public struct KexecLoadPolicy: Sendable, Equatable {
    /// Whether kexec-tools may be tried when kexec_file_load cannot handle the image (false under lockdown).
    public var allowsToolsFallback: Bool
    /// The lockdown mode the loaders report refusals against.
    public var lockdown: LockdownMode?
    /// Remarks for the user (e.g. that only a signed kernel loads under lockdown).
    public var notes: [String]
}

/// The checks before anything is loaded or unloaded: who we are, where we run, what the kernel allows.
/// Pure: it reads a `ProcessContext` and a `KernelState` that were read before.
public struct KexecPreflight: Sendable {
    public var process: ProcessContext
    public var kernel: KernelState
    /// The kernel parameter suggested when no crashkernel memory is reserved (from `kreboot calibrate` when known).
    public var suggestedCrashkernel: String

    /// The preflight for this process and kernel state; `suggestedCrashkernel` is named when no memory is reserved.
    public init(process: ProcessContext, kernel: KernelState, suggestedCrashkernel: String = "crashkernel=256M") {
        self.process = process
        self.kernel = kernel
        self.suggestedCrashkernel = suggestedCrashkernel
    }

    /// Permission and environment: in the initial namespaces, root, CAP_SYS_BOOT (77); kexec built in and not
    /// disabled (69). The rules are `KexecRules`', as the plan's checks.
    public func checkEnvironment(operation: String) throws(KexecError) {
        for finding in [KexecRules.privileges(process), KexecRules.kexecSupported(kernel), KexecRules.kexecLoadEnabled(kernel)] {
            if let error = finding.error(operation: operation) { throw error }
        }
    }

    /// Everything before a load: the environment, for `crash` a crashkernel reservation, and an image for this
    /// machine's architecture (65 otherwise), signed under lockdown. Returns how the load may proceed.
    public func checkLoad(kernelPath: String, image: KernelImageInfo?, crash: Bool) throws(KexecError) -> KexecLoadPolicy {
        let operation = crash ? "crash load" : "load"
        try checkEnvironment(operation: operation)
        var findings: [KexecFinding] = []
        if crash { findings.append(KexecRules.crashReservation(kernel, suggested: suggestedCrashkernel)) }
        if let image { findings.append(KexecRules.architecture(kernelPath, image, machine: process.machineArch)) }
        let signature = KexecRules.signature(kernelPath, image, kernel)
        findings.append(signature)
        for finding in findings {
            if let error = finding.error(operation: operation, path: kernelPath) { throw error }
        }
        let locked = kernel.lockdown != nil && kernel.lockdown != LockdownMode.none
        return KexecLoadPolicy(allowsToolsFallback: !locked, lockdown: kernel.lockdown,
                               notes: locked ? [signature.message] : [])
    }
}
