/// How the crashkernel= reservation compares with `kreboot calibrate`'s recommendation: what
/// `kreboot kdump status` says, and whether `kreboot kdump start` can load at all.
public enum CrashReservationVerdict: Sendable, Equatable {
    /// Nothing reserved: no capture kernel can be loaded (start exits 69).
    case missing(recommendedMiB: Int, parameters: String)
    /// Reserved, but less than the recommendation: the capture kernel may load and still run out of memory.
    case tooSmall(reservedMiB: Int, recommendedMiB: Int, parameters: String)
    /// Reserved at least the recommendation.
    case sufficient(reservedMiB: Int, recommendedMiB: Int)

    /// The verdict for `reservedBytes` reserved (/sys/kernel/kexec_crash_size or /proc/iomem) against
    /// `recommendedMiB` (calibrate's total, Low + High) and its kernel `parameters`.
    public init(reservedBytes: UInt64, recommendedMiB: Int, parameters: String) {
        let reserved = Int(clamping: reservedBytes >> 20)
        if reservedBytes == 0 {
            self = .missing(recommendedMiB: recommendedMiB, parameters: parameters)
        } else if reserved < recommendedMiB {
            self = .tooSmall(reservedMiB: reserved, recommendedMiB: recommendedMiB, parameters: parameters)
        } else {
            self = .sufficient(reservedMiB: reserved, recommendedMiB: recommendedMiB)
        }
    }

    /// Whether a capture kernel can be loaded at all.
    public var canLoad: Bool {
        if case .missing = self { return false }
        return true
    }

    /// One line for people.
    public var message: String {
        switch self {
        case .missing(let recommended, let parameters):
            return "reservation missing: no memory is reserved for a capture kernel; add \(parameters) "
                + "(\(recommended) MiB, kreboot calibrate) to the kernel command line and reboot"
        case .tooSmall(let reserved, let recommended, let parameters):
            return "reservation too small: \(reserved) MiB reserved, calibrate recommends \(recommended) MiB (\(parameters))"
        case .sufficient(let reserved, let recommended):
            return "reservation \(reserved) MiB (calibrate recommends \(recommended) MiB)"
        }
    }

    /// `missing`, `too-small` or `sufficient`, for JSON.
    public var kind: String {
        switch self {
        case .missing: return "missing"
        case .tooSmall: return "too-small"
        case .sufficient: return "sufficient"
        }
    }
}
