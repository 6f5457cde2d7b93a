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
    /// disabled (69).
    public func checkEnvironment(operation: String) throws(KexecError) {
        if let reason = process.containerReason {
            throw KexecError(.noPermission, operation: operation, "\(reason): kexec needs the initial namespaces")
        }
        if process.effectiveUID != 0 {
            throw KexecError(.noPermission, operation: operation,
                             "not running as root (euid \(process.effectiveUID)): kexec needs root and CAP_SYS_BOOT")
        }
        if process.hasCapSysBoot == false {
            throw KexecError(.noPermission, operation: operation,
                             "CAP_SYS_BOOT is not in the effective capabilities (/proc/self/status CapEff): kexec is not allowed")
        }
        if !kernel.kexecSupported {
            throw KexecError(.unavailable, operation: operation,
                             "/sys/kernel/kexec_loaded is missing: the running kernel was built without kexec")
        }
        if kernel.kexecLoadDisabled == true {
            throw KexecError(.unavailable, operation: operation,
                             "/proc/sys/kernel/kexec_load_disabled is 1: kexec loading is disabled until the next boot")
        }
    }

    /// Everything before a load: the environment, for `crash` a crashkernel reservation, and an image for this
    /// machine's architecture (65 otherwise). Returns how the load may proceed.
    public func checkLoad(kernelPath: String, image: KernelImageInfo?, crash: Bool) throws(KexecError) -> KexecLoadPolicy {
        let operation = crash ? "crash load" : "load"
        try checkEnvironment(operation: operation)
        if crash && kernel.crashReservedBytes == 0 {
            throw KexecError(.unavailable, operation: operation,
                             "no memory is reserved for a crash kernel (/sys/kernel/kexec_crash_size is 0): add \(suggestedCrashkernel) to the kernel command line and reboot")
        }
        if let image, image.arch != process.machineArch {
            throw KexecError(.badImage, operation: operation, path: kernelPath,
                             "\(kernelPath): \(Self.article(image.arch)) \(image.arch) kernel, this machine is \(process.machineArch)")
        }
        var notes: [String] = []
        let locked = kernel.lockdown != nil && kernel.lockdown != LockdownMode.none
        if let mode = kernel.lockdown, locked {
            notes.append("kernel lockdown is \(mode.rawValue): loading only through kexec_file_load, and only a kernel with a valid signature")
            if let image, image.details["signed"] == "false" {
                throw KexecError(.unavailable, operation: operation, path: kernelPath,
                                 "\(kernelPath): the image has no signature (no Authenticode certificate table) and kernel lockdown (\(mode.rawValue)) loads only signed kernels")
            }
        }
        return KexecLoadPolicy(allowsToolsFallback: !locked, lockdown: kernel.lockdown, notes: notes)
    }

    /// `an` before a vowel (`an aarch64 kernel`), else `a`.
    static func article(_ word: String) -> String {
        guard let first = word.lowercased().first else { return "a" }
        return "aeiou".contains(first) ? "an" : "a"
    }
}
