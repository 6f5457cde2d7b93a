import LinuxSystem

/// `kreboot status`: the kernel's kexec state together with what kreboot recorded loading.
public struct KexecStatus: Codable, Sendable, Equatable {
    /// /sys/kernel/kexec_loaded; nil when kexec is not built in.
    public var kernelLoaded: Bool?
    /// /sys/kernel/kexec_crash_loaded.
    public var crashKernelLoaded: Bool?
    /// /sys/kernel/kexec_crash_size in bytes.
    public var crashSize: UInt64?
    /// Bytes reserved for a crash kernel (crash size, else /proc/iomem).
    public var crashReserved: UInt64
    public var crashRegions: [CrashRegion]
    /// `none`, `integrity`, `confidentiality`; nil without the lockdown LSM.
    public var lockdown: LockdownMode?
    public var kexecLoadDisabled: Bool?
    /// Whether this boot came through UEFI (/sys/firmware/efi); nil when unknown.
    public var efiBooted: Bool?
    /// The SecureBoot EFI variable: true enabled, false disabled, nil when not readable (so after a kexec, a value
    /// here also says the EFI runtime and efivarfs survived).
    public var secureBoot: Bool?
    /// What kreboot loaded for exec, when the kernel still has it loaded.
    public var loaded: KexecLoadRecord?
    /// What kreboot loaded as capture kernel, when the kernel still has it loaded.
    public var crashLoaded: KexecLoadRecord?
    /// Remarks: kernels loaded by other tools, stale records.
    public var notes: [String]

    /// Combines the kernel's state with the state file's records; a record the kernel contradicts is dropped with a note.
    public init(kernel: KernelState, recorded: KexecState) {
        kernelLoaded = kernel.kexecLoaded
        crashKernelLoaded = kernel.kexecCrashLoaded
        crashSize = kernel.kexecCrashSize
        crashReserved = kernel.crashReservedBytes
        crashRegions = kernel.crashRegions
        lockdown = kernel.lockdown
        kexecLoadDisabled = kernel.kexecLoadDisabled
        efiBooted = kernel.efiBooted
        secureBoot = kernel.secureBoot
        notes = []
        (loaded, notes) = Self.reconcile(recorded.kernel, kernelSays: kernel.kexecLoaded, what: "kernel", notes: notes)
        (crashLoaded, notes) = Self.reconcile(recorded.crash, kernelSays: kernel.kexecCrashLoaded, what: "crash kernel", notes: notes)
        if kernel.kexecLoaded == nil { notes.append("the running kernel has no kexec support (/sys/kernel/kexec_loaded is missing)") }
    }

    private static func reconcile(_ record: KexecLoadRecord?, kernelSays loaded: Bool?, what: String,
                                  notes: [String]) -> (KexecLoadRecord?, [String]) {
        var notes = notes
        switch (record, loaded) {
        case (let record?, false?):
            notes.append("kreboot loaded \(record.kernel) as \(what) at \(record.loadedAt), but no \(what) is loaded now (unloaded by another tool)")
            return (nil, notes)
        case (nil, true?):
            notes.append("a \(what) is loaded, but not by kreboot")
            return (nil, notes)
        default:
            return (record, notes)
        }
    }

    /// Lines for people.
    public var text: [String] {
        func yesNo(_ value: Bool?) -> String { value.map { $0 ? "yes" : "no" } ?? "unknown" }
        var lines = [
            "kernel loaded:        \(yesNo(kernelLoaded))" + (loaded.map { " — \(Self.describe($0))" } ?? ""),
            "crash kernel loaded:  \(yesNo(crashKernelLoaded))" + (crashLoaded.map { " — \(Self.describe($0))" } ?? ""),
            "crash reservation:    " + (crashReserved > 0 ? "\(crashReserved >> 20) MiB" : "none")
                + (crashSize.map { " (kexec_crash_size \($0))" } ?? ""),
            "lockdown:             \(lockdown?.rawValue ?? "not available")",
            "kexec_load_disabled:  \(yesNo(kexecLoadDisabled))",
            "firmware:             " + Self.firmware(efiBooted: efiBooted, secureBoot: secureBoot),
        ]
        lines += notes.map { "note: \($0)" }
        return lines
    }

    /// `UEFI, Secure Boot enabled (SecureBoot EFI variable read)`, `BIOS`, …
    static func firmware(efiBooted: Bool?, secureBoot: Bool?) -> String {
        switch (efiBooted, secureBoot) {
        case (_, let secure?): "UEFI, Secure Boot \(secure ? "enabled" : "disabled") (SecureBoot EFI variable read)"
        case (true?, nil): "UEFI, Secure Boot state not readable (efivarfs)"
        case (false?, nil): "BIOS (no /sys/firmware/efi)"
        case (nil, nil): "unknown"
        }
    }

    private static func describe(_ r: KexecLoadRecord) -> String {
        let initrds = r.initrds.isEmpty ? "" : " + " + r.initrds.joined(separator: " + ")
        return "\(r.kernel)\(initrds) (\(r.release ?? "release unknown")) via \(r.method.rawValue) at \(r.loadedAt); command line: \(r.commandLine)"
    }
}
