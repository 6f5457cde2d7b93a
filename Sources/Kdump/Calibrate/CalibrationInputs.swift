import KexecCore
import LinuxSystem
/// What the crashkernel calibration depends on. `CalibrationInputsReader` fills it from the running
/// system; tests build it by hand.
public struct CalibrationInputs: Codable, Sendable, Equatable {
    /// System RAM in bytes (the "System RAM" ranges of /proc/iomem, or MemTotal plus the reservation).
    public var ramBytes: UInt64
    /// The machine, as `uname -m` prints it: `x86_64`, `aarch64`, `ppc64le`, `s390x`, …
    public var arch: String
    /// LUN kernel paths (storage paths) expected at most, multipath devices excluded.
    public var luns: Int
    /// The capture kernel's size in memory (a bzImage's init_size, else the file size); nil when unknown.
    public var kernelBytes: UInt64?
    /// The capture initrd's size; nil when there is none.
    public var initrdBytes: UInt64?
    /// Reserved for a crash kernel now: the "Crash kernel" ranges of /proc/iomem (low and high), or
    /// /sys/kernel/kexec_crash_size.
    public var reservedBytes: UInt64
    /// The page size (for makedumpfile's bitmaps).
    public var pageSize: Int
    /// Whether the capture boot brings up the network (a remote dump target or an e-mail: `DumpDelivery.needsNetwork`).
    public var networkDump: Bool

    public init(ramBytes: UInt64, arch: String, luns: Int = 0, kernelBytes: UInt64? = nil, initrdBytes: UInt64? = nil,
                reservedBytes: UInt64 = 0, pageSize: Int = 4096, networkDump: Bool = false) {
        self.networkDump = networkDump
        self.ramBytes = ramBytes
        self.arch = arch
        self.luns = luns
        self.kernelBytes = kernelBytes
        self.initrdBytes = initrdBytes
        self.reservedBytes = reservedBytes
        self.pageSize = pageSize
    }
}
