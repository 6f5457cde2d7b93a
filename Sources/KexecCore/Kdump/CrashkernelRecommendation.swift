/// The result of `kreboot calibrate`: how much to reserve below 4 GiB (Low) and anywhere (High), the
/// kernel parameters that say so, and how that compares with what is reserved now. Sizes in MiB.
public struct CrashkernelRecommendation: Codable, Sendable, Equatable {
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
        /// kernel + initrd + runtime + bitmap.
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
