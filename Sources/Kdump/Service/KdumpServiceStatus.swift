import KexecCore
import LinuxSystem

/// `kreboot kdump status`: whether a capture kernel is armed, what kreboot loaded and with which command
/// line, the reservation against `calibrate`, and whether a `reload` would load again.
public struct KdumpServiceStatus: Encodable, Sendable {
    /// /sys/kernel/kexec_crash_loaded (nil when the kernel has no kexec).
    public var loaded: Bool?
    /// kreboot's record of the loaded capture kernel (nil when none, or loaded by another tool).
    public var record: KexecLoadRecord?
    /// `missing`, `too-small` or `sufficient`.
    public var reservation: String
    public var reservedMiB: Int
    public var recommendedMiB: Int
    /// The reservation verdict in words.
    public var reservationMessage: String
    /// The kdump configuration file, or nil (defaults).
    public var configFile: String?
    /// What `start` would load now (nil when no capture kernel can be chosen).
    public var wanted: KexecImage?
    /// Why a `reload` would load again; empty when up to date.
    public var reloadReasons: [String]
    /// Remarks (a capture kernel loaded by another tool …).
    public var notes: [String]

    /// Combines the pieces; `kernel` and `recorded` as `KexecStatus` reconciles them.
    public init(kernel: KernelState, recorded: KexecState, verdict: CrashReservationVerdict, recommendedMiB: Int,
                request: KdumpServiceRequest?, decision: KdumpReloadDecision?) {
        let status = KexecStatus(kernel: kernel, recorded: recorded)
        loaded = status.crashKernelLoaded
        record = status.crashLoaded
        reservation = verdict.kind
        reservedMiB = Int(clamping: kernel.crashReservedBytes >> 20)
        self.recommendedMiB = recommendedMiB
        reservationMessage = verdict.message
        configFile = request?.configFile
        wanted = request?.image
        reloadReasons = decision?.reasons ?? []
        notes = status.notes.filter { $0.contains("crash kernel") }
    }

    /// Lines for people; the first says loaded or not.
    public var text: [String] {
        var lines: [String] = []
        switch (loaded, record) {
        case (true?, let r?):
            lines.append("capture kernel loaded: \(r.kernel) (\(r.release ?? "release unknown")) via \(r.method.rawValue) at \(r.loadedAt)")
            for initrd in r.initrds { lines.append("  initrd   \(initrd)") }
            lines.append("  cmdline  \(r.commandLine)")
        case (true?, nil): lines.append("capture kernel loaded (not by kreboot)")
        case (false?, _): lines.append("capture kernel not loaded")
        case (nil, _): lines.append("capture kernel not loaded: the running kernel has no kexec support")
        }
        lines.append(reservationMessage)
        lines.append("configuration: \(configFile ?? "none (defaults)")")
        if loaded == true, !reloadReasons.isEmpty {
            lines.append("out of date: " + reloadReasons.joined(separator: "; ") + " (kreboot kdump reload)")
        }
        lines += notes.map { "note: \($0)" }
        return lines
    }
}
