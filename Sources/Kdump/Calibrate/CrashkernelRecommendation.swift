import KexecCore
import LinuxSystem
/// The result of `kreboot calibrate`: how much to reserve below 4 GiB (Low) and anywhere (High), the
/// kernel parameters that say so, and how that compares with what is reserved now. Sizes in MiB.
public struct CrashkernelRecommendation: Encodable, Sendable, Equatable {
    /// How the recommendation was reached, term by term (MiB).
    public struct Estimate: Codable, Sendable, Equatable {
        /// The distribution default for this RAM size (kdump-utils' crashkernel table).
        public var baselineMiB: Int
        /// Capture kernel in memory.
        public var kernelMiB: Int
        /// Capture initrd.
        public var initrdMiB: Int
        /// User space and kernel run-time allocations (kdumpctl estimate's 64 MiB).
        public var runtimeMiB: Int
        /// makedumpfile's two page bitmaps (SUSE calibrate's user-space term), at most 32 MiB.
        public var bitmapMiB: Int
        /// The network stack of a capture boot that sends the dump away or mails (`CrashkernelCalibrator.networkMiB`); 0 otherwise.
        public var networkMiB: Int = 0
        /// kernel + initrd + runtime + bitmap + network.
        public var estimatedMiB: Int
    }

    public var arch: String
    /// RAM in MiB, and rounded up to whole GiB as the table uses it.
    public var ramMiB: Int
    public var ramGiB: Int
    public var luns: Int
    public var estimate: Estimate
    /// max(baseline, estimated): SUSE calibrate's "RECOMMENDATION".
    public var recommendationMiB: Int
    /// What calibrate recommends for Low before the LUN term (0 when Low is not used on x86_64).
    public var recommendedLow: Int
    /// What calibrate recommends for High before the LUN term (0 where only Low applies).
    public var recommendedHigh: Int
    /// Low to reserve; nil when not used.
    public var low: Int?
    /// High to reserve; nil when not used.
    public var high: Int?
    /// The kernel parameters to append: `crashkernel=…M,high crashkernel=…M,low` or `crashkernel=…M`.
    public var parameters: String
    /// Reserved now.
    public var reservedMiB: Int
    /// Whether what is reserved now covers the recommendation.
    public var sufficient: Bool
    /// Total to reserve (low + high).
    public var totalMiB: Int { (low ?? 0) + (high ?? 0) }
}

extension CrashkernelRecommendation {
    private enum CodingKeys: String, CodingKey {
        case arch, ramMiB, ramGiB, luns, estimate, recommendationMiB, recommendedLow, recommendedHigh, low, high,
             parameters, reservedMiB, sufficient, totalMiB
    }

    /// Encodes every key, `low`/`high` as null when not used (scripts test for null, not absence).
    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(arch, forKey: .arch)
        try c.encode(ramMiB, forKey: .ramMiB)
        try c.encode(ramGiB, forKey: .ramGiB)
        try c.encode(luns, forKey: .luns)
        try c.encode(estimate, forKey: .estimate)
        try c.encode(recommendationMiB, forKey: .recommendationMiB)
        try c.encode(recommendedLow, forKey: .recommendedLow)
        try c.encode(recommendedHigh, forKey: .recommendedHigh)
        if let low { try c.encode(low, forKey: .low) } else { try c.encodeNil(forKey: .low) }
        if let high { try c.encode(high, forKey: .high) } else { try c.encodeNil(forKey: .high) }
        try c.encode(parameters, forKey: .parameters)
        try c.encode(reservedMiB, forKey: .reservedMiB)
        try c.encode(sufficient, forKey: .sufficient)
        try c.encode(totalMiB, forKey: .totalMiB)
    }
}
