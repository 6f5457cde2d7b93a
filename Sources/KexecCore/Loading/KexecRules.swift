import LinuxSystem

/// One rule's verdict: pass, warn or fail, the error kind a failure is, and one line naming the cause.
public struct KexecFinding: Sendable, Equatable {
    /// How serious: a failure stops a load (and fails the plan's check of the same name).
    public enum Severity: Sendable, Equatable { case pass, warn, fail }

    public var severity: Severity
    /// The kind of error a failure is (noPermission 77, unavailable 69, badImage 65).
    public var code: KexecError.Code
    public var message: String

    public init(_ severity: Severity, _ code: KexecError.Code, _ message: String) {
        self.severity = severity
        self.code = code
        self.message = message
    }

    /// A pass or a warning (no error kind).
    public init(_ severity: Severity, _ message: String) {
        self.init(severity, .failed, message)
    }

    /// The error a failure stands for, during `operation`; nil unless it failed.
    public func error(operation: String, path: String? = nil) -> KexecError? {
        severity == .fail ? KexecError(code, operation: operation, path: path, message) : nil
    }
}

/// The rules about whether this process may kexec on this kernel and whether an image fits this machine:
/// one table, read by the planner's checks (`root`, `kexec-supported`, `kexec-load-disabled`, `lockdown`,
/// `crashkernel`, `kernel-image`) and by the loader's preflight, so both say the same thing the same way. Pure.
public enum KexecRules {
    /// In the initial namespaces, root, CAP_SYS_BOOT (77).
    public static func privileges(_ process: ProcessContext) -> KexecFinding {
        if let reason = process.containerReason {
            return KexecFinding(.fail, .noPermission, "\(reason): kexec needs the initial namespaces")
        }
        if process.effectiveUID != 0 {
            return KexecFinding(.fail, .noPermission,
                                "not running as root (euid \(process.effectiveUID)): kexec needs root and CAP_SYS_BOOT")
        }
        if process.hasCapSysBoot == false {
            return KexecFinding(.fail, .noPermission,
                                "CAP_SYS_BOOT is not in the effective capabilities (/proc/self/status CapEff): kexec is not allowed")
        }
        return KexecFinding(.pass, "running as root with CAP_SYS_BOOT")
    }

    /// The running kernel was built with kexec (69).
    public static func kexecSupported(_ kernel: KernelState) -> KexecFinding {
        kernel.kexecSupported
            ? KexecFinding(.pass, "the running kernel supports kexec (/sys/kernel/kexec_loaded)")
            : KexecFinding(.fail, .unavailable, "/sys/kernel/kexec_loaded is missing: the running kernel was built without kexec")
    }

    /// kexec loading is not disabled until the next boot (69); unknown is a warning.
    public static func kexecLoadEnabled(_ kernel: KernelState) -> KexecFinding {
        switch kernel.kexecLoadDisabled {
        case true?: KexecFinding(.fail, .unavailable,
            "/proc/sys/kernel/kexec_load_disabled is 1: kexec loading is disabled until the next boot")
        case false?: KexecFinding(.pass, "kexec loading is enabled (/proc/sys/kernel/kexec_load_disabled is 0)")
        case nil: KexecFinding(.warn, "/proc/sys/kernel/kexec_load_disabled is unreadable")
        }
    }

    /// Kernel lockdown: a warning that only a signed kernel loads, through kexec_file_load.
    public static func lockdown(_ kernel: KernelState) -> KexecFinding {
        switch kernel.lockdown {
        case nil, .none?: KexecFinding(.pass, "kernel lockdown is off")
        case let mode?: KexecFinding(.warn,
            "kernel lockdown is \(mode.rawValue) (/sys/kernel/security/lockdown): only a signed kernel loads, through kexec_file_load")
        }
    }

    /// Memory reserved for a capture kernel (69), naming the parameter to add.
    public static func crashReservation(_ kernel: KernelState, suggested: String = "crashkernel=256M") -> KexecFinding {
        if let impossible = kernel.impossibleMessage([.kexecCrashSize, .crashRegions]) {
            return KexecFinding(.fail, .badImage, impossible)
        }
        let reserved = kernel.crashReservedBytes
        guard reserved > 0 else {
            return KexecFinding(.fail, .unavailable,
                "no crashkernel reservation (/sys/kernel/kexec_crash_size is 0): add \(suggested) to the kernel command line and reboot")
        }
        let loaded = kernel.kexecCrashLoaded == true ? ", capture kernel already loaded" : ""
        return KexecFinding(.pass, "\(reserved >> 20) MiB reserved for the crash kernel\(loaded)")
    }

    /// The image is for this machine's architecture (65).
    public static func architecture(_ path: String, _ image: KernelImageInfo, machine: String) -> KexecFinding {
        image.arch == machine
            ? KexecFinding(.pass, "\(path): \(image.arch) kernel")
            : KexecFinding(.fail, .badImage, "\(path): \(article(image.arch)) \(image.arch) kernel, this machine is \(machine)")
    }

    /// The image's signature as its PE header shows it: signed or not (nil when the format carries none kreboot
    /// can read), and one phrase. For a UKI it is the signature of its `.linux`, which is what kexec_file_load gets.
    public static func signatureState(_ image: KernelImageInfo?) -> (signed: Bool?, text: String) {
        guard let image else { return (nil, "signature unknown (the image could not be read)") }
        func bytes(_ key: String) -> String { image.details[key].map { ", \($0) bytes" } ?? "" }
        if image.format == .uki, let linux = image.details["linuxSigned"] {
            let outer = image.details["signed"] == "true" ? "the UKI is signed" : "the UKI itself is not signed"
            return linux == "true"
                ? (true, "the UKI's .linux is signed (Authenticode certificate table\(bytes("linuxSignatureBytes"))); \(outer)")
                : (false, "the UKI's .linux has no signature (no Authenticode certificate table); \(outer)")
        }
        switch image.details["signed"] {
        case "true"?: return (true, "signed (Authenticode certificate table\(bytes("signatureBytes")))")
        case "false"?: return (false, "no signature (no Authenticode certificate table, or one that runs past the end of the file)")
        default: return (nil, "no PE signature to read (\(image.format.rawValue) image)")
        }
    }

    /// The image's signature against lockdown: under lockdown an image without a signature is refused (69), as
    /// kexec_file_load would refuse it (ENODATA) — before anything is stopped; a signed one is verified by the
    /// kernel at load. Without lockdown the state is shown and nothing is required.
    public static func signature(_ path: String, _ image: KernelImageInfo?, _ kernel: KernelState) -> KexecFinding {
        let state = signatureState(image)
        guard let mode = kernel.lockdown, mode != .none else {
            return KexecFinding(.pass, "\(path): \(state.text); not required (kernel lockdown is off)")
        }
        switch state.signed {
        case false?:
            return KexecFinding(.fail, .unavailable,
                "\(path): \(state.text), and kernel lockdown (\(mode.rawValue)) loads only signed kernels: kexec_file_load would refuse it (ENODATA)")
        case true?:
            return KexecFinding(.pass, "\(path): \(state.text); lockdown (\(mode.rawValue)): the kernel verifies it against its keyrings at load")
        case nil:
            return KexecFinding(.warn, "\(path): \(state.text); lockdown (\(mode.rawValue)): the kernel decides at load whether it is signed")
        }
    }

    /// The firmware's Secure Boot state, for the plan's checks: never a failure (lockdown is what refuses).
    public static func secureBoot(_ kernel: KernelState) -> KexecFinding {
        let where_ = "(EFI variable SecureBoot-8be4df61-93ca-11d2-aa0d-00e098032b8c)"
        switch (kernel.efiBooted, kernel.secureBoot) {
        case (_, true?): return KexecFinding(.pass, "Secure Boot is enabled \(where_): only signed kernels load")
        case (_, false?): return KexecFinding(.pass, "Secure Boot is disabled \(where_)")
        case (false?, nil): return KexecFinding(.pass, "not booted through UEFI (no /sys/firmware/efi): no Secure Boot")
        case (true?, nil): return KexecFinding(.warn, "booted through UEFI, but the Secure Boot state cannot be read \(where_)")
        case (nil, nil): return KexecFinding(.pass, "Secure Boot state unknown (no /sys/firmware)")
        }
    }

    /// `an` before a vowel (`an aarch64 kernel`), else `a`.
    static func article(_ word: String) -> String {
        guard let first = word.lowercased().first else { return "a" }
        return "aeiou".contains(first) ? "an" : "a"
    }
}
