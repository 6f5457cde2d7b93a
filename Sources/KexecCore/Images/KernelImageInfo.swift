import LinuxSystem
/// What a kernel image is, read from its headers (bzImage setup header, ELF through libelf,
/// arm64 Image header, PE/UKI sections).
public struct KernelImageInfo: Codable, Sendable, Equatable {
    /// The container format.
    public enum Format: String, Codable, Sendable {
        case bzImage, elf, arm64Image = "arm64-image", uki
    }

    public var kind: String = "kernel"
    public var format: Format
    /// Architecture in uname(2) words: `x86_64`, `i386`, `aarch64`, `riscv64`, `ppc64le`, `s390x` …
    public var arch: String
    /// The kernel release (`6.1.0-28-amd64`), when the image carries a version string.
    public var release: String?
    /// The full version string (`6.1.0-28-amd64 (debian-kernel@…) #1 SMP …`), when present.
    public var version: String?
    /// Format-specific facts for display and JSON (boot protocol, relocatable, 64-bit entry, ELF class, UKI sections …).
    public var details: [String: String]

    public init(format: Format, arch: String, release: String? = nil, version: String? = nil, details: [String: String] = [:]) {
        self.format = format
        self.arch = arch
        self.release = release
        self.version = version
        self.details = details
    }
}

/// What the snapshot learned about one file the plan may use (a kernel or an initrd).
public struct FileFacts: Codable, Sendable, Equatable {
    /// The path as the target system sees it.
    public var path: String
    public var exists: Bool
    public var readable: Bool
    public var isRegularFile: Bool
    public var size: UInt64
    /// For kernels: the image, when it was recognised.
    public var image: KernelImageInfo?
    /// For kernels: why the image was not recognised (one line), when it was not.
    public var imageProblem: String?

    public init(path: String, exists: Bool, readable: Bool = false, isRegularFile: Bool = false, size: UInt64 = 0,
                image: KernelImageInfo? = nil, imageProblem: String? = nil) {
        self.path = path
        self.exists = exists
        self.readable = readable
        self.isRegularFile = isRegularFile
        self.size = size
        self.image = image
        self.imageProblem = imageProblem
    }
}
