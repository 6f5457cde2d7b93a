import KexecCore
import LinuxSystem
/// The kernel a plan boots (or loads as capture kernel), with the command line it gets.
public struct BootTarget: Codable, Sendable, Equatable {
    /// Where the target came from, and the rule that chose it.
    public struct Source: Codable, Sendable, Equatable {
        public var kind: BootSourceKind
        public var id: String?
        public var title: String?
        /// The configuration file that defined it (target path).
        public var file: String?
        /// One sentence: why this one (e.g. `--entry 2`, `GRUB default=0`, `saved_entry … from grubenv`).
        public var rule: String?

        public init(kind: BootSourceKind, id: String? = nil, title: String? = nil, file: String? = nil, rule: String? = nil) {
            self.kind = kind
            self.id = id
            self.title = title
            self.file = file
            self.rule = rule
        }
    }

    /// Kernel image path as the target system sees it.
    public var kernel: String
    /// Initrd paths as the target system sees them.
    public var initrds: [String]
    /// The command line the new kernel gets.
    public var commandLine: String
    /// The kernel release read from the image (`6.1.0-28-amd64`), when it could be read.
    public var release: String?
    /// The image's architecture and format, when it could be read.
    public var arch: String?
    public var format: String?
    public var source: Source

    public init(kernel: String, initrds: [String], commandLine: String, release: String? = nil,
                arch: String? = nil, format: String? = nil, source: Source) {
        self.kernel = kernel
        self.initrds = initrds
        self.commandLine = commandLine
        self.release = release
        self.arch = arch
        self.format = format
        self.source = source
    }
}
