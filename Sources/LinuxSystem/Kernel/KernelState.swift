/// The kernel's lockdown mode (/sys/kernel/security/lockdown, the bracketed word).
public enum LockdownMode: String, Codable, Sendable {
    case none, integrity, confidentiality
}

/// A "Crash kernel" range from /proc/iomem.
public struct CrashRegion: Codable, Sendable, Equatable {
    public var start: UInt64
    public var end: UInt64
    public init(start: UInt64, end: UInt64) {
        self.start = start
        self.end = end
    }
    /// Size in bytes (the range is inclusive).
    public var size: UInt64 { end >= start ? (end - start).saturatingAdd(1) : 0 }
}

/// The running kernel's kexec-related state. Each field is nil when its file was absent or unreadable.
public struct KernelState: Codable, Sendable, Equatable {
    /// /sys/kernel/kexec_loaded == 1
    public var kexecLoaded: Bool?
    /// /sys/kernel/kexec_crash_loaded == 1
    public var kexecCrashLoaded: Bool?
    /// /sys/kernel/kexec_crash_size in bytes
    public var kexecCrashSize: UInt64?
    /// /proc/sys/kernel/kexec_load_disabled == 1
    public var kexecLoadDisabled: Bool?
    /// /sys/kernel/security/lockdown; nil when the file is absent (no lockdown LSM).
    public var lockdown: LockdownMode?
    /// "Crash kernel" ranges from /proc/iomem (empty when none, or when iomem hid the addresses).
    public var crashRegions: [CrashRegion]
    /// MemTotal from /proc/meminfo, in bytes.
    public var memTotalBytes: UInt64?
    /// /proc/sys/kernel/osrelease (the running kernel's release).
    public var runningRelease: String?
    /// Whether the running system was started through UEFI: /sys/firmware/efi exists (nil when /sys/firmware is
    /// not there at all, as in a tree planned for with --root).
    public var efiBooted: Bool?
    /// The firmware's Secure Boot state: the EFI global variable SecureBoot (1 enabled, 0 disabled); nil when
    /// not booted through UEFI or the variable cannot be read.
    public var secureBoot: Bool?
    /// The numbers that cannot be (a MemTotal past 2^64 bytes, a Crash kernel range that ends before it
    /// starts, a kexec_crash_size that is not a number), each "FILE: impossible FIELD: WHY", keyed by the
    /// field they leave unknown. A plan that depends on one fails naming it (exit 65); informational
    /// output shows "unknown".
    public var impossible: [ImpossibleValue: String] = [:]

    /// The kernel numbers the plan depends on, for `impossible`.
    public enum ImpossibleValue: String, Codable, Sendable, CaseIterable {
        case memTotal, memAvailable, crashRegions, kexecCrashSize
    }

    private enum CodingKeys: String, CodingKey {
        case kexecLoaded, kexecCrashLoaded, kexecCrashSize, kexecLoadDisabled, lockdown, crashRegions, memTotalBytes,
             runningRelease, efiBooted, secureBoot
    }

    public init(kexecLoaded: Bool? = nil, kexecCrashLoaded: Bool? = nil, kexecCrashSize: UInt64? = nil,
                kexecLoadDisabled: Bool? = nil, lockdown: LockdownMode? = nil, crashRegions: [CrashRegion] = [],
                memTotalBytes: UInt64? = nil, runningRelease: String? = nil) {
        self.kexecLoaded = kexecLoaded
        self.kexecCrashLoaded = kexecCrashLoaded
        self.kexecCrashSize = kexecCrashSize
        self.kexecLoadDisabled = kexecLoadDisabled
        self.lockdown = lockdown
        self.crashRegions = crashRegions
        self.memTotalBytes = memTotalBytes
        self.runningRelease = runningRelease
    }

    /// Whether the running kernel supports kexec at all: /sys/kernel/kexec_loaded exists.
    public var kexecSupported: Bool { kexecLoaded != nil }

    /// The first impossible value among `values`, "FILE: impossible FIELD: WHY"; nil when all are possible.
    public func impossibleMessage(_ values: [ImpossibleValue]) -> String? {
        values.lazy.compactMap { impossible[$0] }.first
    }

    /// Bytes reserved for a crash kernel: kexec_crash_size, else the iomem ranges (saturating; an
    /// impossible range is in `impossible`).
    public var crashReservedBytes: UInt64 {
        if let size = kexecCrashSize, size > 0 { return size }
        return crashRegions.reduce(0) { $0.saturatingAdd($1.size) }
    }
}
