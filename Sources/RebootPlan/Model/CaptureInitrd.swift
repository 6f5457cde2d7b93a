import FoundationEssentials

/// kreboot's own capture initrd for one kernel release: built by `kreboot kdump start` from the production
/// initramfs recipe (the same hooks, crypttab and LVM, but `MODULES=dep`, as kdump-tools builds its own) so
/// the capture kernel needs a smaller crashkernel= reservation and boots faster. It lives in `directory`,
/// beside a stamp that names the production initrd it was built from; it is used only while that initrd is
/// unchanged (`isFresh`).
public struct CaptureInitrd: Sendable, Equatable {
    /// Where kreboot keeps its capture initrds and their stamps.
    public static let directory = "/var/lib/kreboot/capture-initrd"

    /// What the build recorded beside the initrd: the production initrd it was built from, as it was then.
    public struct Stamp: Codable, Sendable, Equatable {
        /// The kernel release it is for (`uname -r`).
        public var release: String
        /// The production initrd it was built beside (target path).
        public var source: String
        /// That initrd's size when the build ran.
        public var sourceBytes: UInt64
        /// That initrd's modification time (nanoseconds since the epoch) when the build ran.
        public var sourceModifiedNanoseconds: Int64
        /// The initramfs-tools MODULES= policy it was built with ("dep").
        public var modules: String
        /// When it was built (ISO 8601, UTC).
        public var builtAt: String

        public init(release: String, source: String, sourceBytes: UInt64, sourceModifiedNanoseconds: Int64,
                    modules: String, builtAt: String) {
            self.release = release
            self.source = source
            self.sourceBytes = sourceBytes
            self.sourceModifiedNanoseconds = sourceModifiedNanoseconds
            self.modules = modules
            self.builtAt = builtAt
        }
    }

    /// The capture initrd (target path).
    public var path: String
    /// Its stamp, when it could be read.
    public var stamp: Stamp?
    /// Its size in bytes; nil when it is missing or not a regular file.
    public var bytes: UInt64?
    /// Why it cannot be used (missing, no stamp, the production initrd changed); nil when it can.
    public var staleReason: String?

    public init(path: String, stamp: Stamp?, bytes: UInt64?, staleReason: String?) {
        self.path = path
        self.stamp = stamp
        self.bytes = bytes
        self.staleReason = staleReason
    }

    /// Whether it exists, is not empty and was built from the production initrd as it is now.
    public var isFresh: Bool { staleReason == nil }

    /// The capture initrd's path for `release`.
    public static func path(release: String) -> String { "\(directory)/initrd.img-\(release)" }

    /// Its stamp's path for `release`.
    public static func stampPath(release: String) -> String { "\(directory)/initrd.img-\(release).stamp" }
}
