import KexecCore
import LinuxSystem
import RebootPlan

/// How the capture kernel writes the dump: KDUMP_DUMPFORMAT and KDUMP_DUMPLEVEL turned into a
/// makedumpfile argv (run without a shell). Formats as SUSE's kdump names them:
/// `ELF` → `-E`, `compressed` → `-c` (zlib), `lzo` → `-l`, `snappy` → `-p`, `zstd` → `-z`,
/// `raw` → a plain copy of /proc/vmcore (no makedumpfile, no filtering), `none` → no vmcore (dmesg only).
public struct MakedumpfileInvocation: Equatable, Sendable {
    /// KDUMP_DUMPFORMAT.
    public enum Format: String, Sendable, CaseIterable {
        case elf = "ELF", compressed, lzo, snappy, zstd, raw, none
    }

    /// Defaults when the configuration does not say: SUSE's `lzo` and dump level 31.
    public static let defaultFormat = Format.lzo
    public static let defaultDumpLevel = 31

    public var format: Format
    /// makedumpfile's `-d` bit mask, 0…31 (1 zero pages, 2 cache, 4 private cache, 8 user, 16 free).
    public var dumpLevel: Int

    public init(format: Format, dumpLevel: Int) {
        self.format = format
        self.dumpLevel = dumpLevel
    }

    /// From the kdump configuration; an unknown format or a level outside 0…31 is a `.badImage` (65) error
    /// naming the configuration file.
    public init(config: KdumpConfig) throws(KexecError) {
        let level = config.dumpLevel ?? MakedumpfileInvocation.defaultDumpLevel
        guard (0...31).contains(level) else {
            throw KexecError(.badImage, operation: "save-dump", path: config.file,
                             "\(config.file): KDUMP_DUMPLEVEL=\(level) is outside 0…31")
        }
        var format = MakedumpfileInvocation.defaultFormat
        if let text = config.dumpFormat?.trimmingWhitespace(), !text.isEmpty {
            guard let parsed = MakedumpfileInvocation.parseFormat(text) else {
                throw KexecError(.badImage, operation: "save-dump", path: config.file,
                                 "\(config.file): KDUMP_DUMPFORMAT=\(text) is not one of none, ELF, compressed, lzo, snappy, zstd, raw")
            }
            format = parsed
        }
        self.init(format: format, dumpLevel: level)
    }

    /// A KDUMP_DUMPFORMAT value, case-insensitive (`zlib` is accepted for `compressed`).
    public static func parseFormat(_ text: String) -> Format? {
        let lower = text.lowercased()
        if lower == "zlib" { return .compressed }
        return Format.allCases.first { $0.rawValue.lowercased() == lower }
    }

    /// Whether makedumpfile writes the vmcore (false for `raw` and `none`).
    public var usesMakedumpfile: Bool { format != .raw && format != .none }

    /// The options for the dump: `-d N` and the format flag.
    public var dumpOptions: [String] {
        switch format {
        case .elf: return ["-E", "-d", String(dumpLevel)]
        case .compressed: return ["-c", "-d", String(dumpLevel)]
        case .lzo: return ["-l", "-d", String(dumpLevel)]
        case .snappy: return ["-p", "-d", String(dumpLevel)]
        case .zstd: return ["-z", "-d", String(dumpLevel)]
        case .raw, .none: return []
        }
    }

    /// The whole argv writing `vmcore` to `output`; nil for `raw` and `none`.
    public func dumpArguments(makedumpfile: String, vmcore: String, output: String) -> [String]? {
        usesMakedumpfile ? [makedumpfile] + dumpOptions + [vmcore, output] : nil
    }

    /// The argv writing `vmcore` flattened (`-F`) to stdout, for a stream to a server; nil for `raw` and `none`.
    public func flattenedArguments(makedumpfile: String, vmcore: String) -> [String]? {
        usesMakedumpfile ? [makedumpfile, "-F"] + dumpOptions + [vmcore] : nil
    }

    /// `makedumpfile --dump-dmesg VMCORE OUTPUT`: the crashed kernel's log as text.
    public static func dmesgArguments(makedumpfile: String, vmcore: String, output: String) -> [String] {
        [makedumpfile, "--dump-dmesg", vmcore, output]
    }

    /// makedumpfile's line for a kernel newer than it knows (it goes on, with the layout of the newest it knows).
    public static let unsupportedKernelLine = "The kernel version is not supported."

    /// What a run that succeeded still said the user should know: a kernel version makedumpfile does not know
    /// (Debian 12's 1.7.2 with a 6.12 kernel), after which it calls the dump possibly incomplete.
    public static func warnings(inOutput output: String) -> [String] {
        guard output.contains(unsupportedKernelLine) else { return [] }
        return ["makedumpfile does not know this kernel's version and says the dump may be incomplete "
                + "(a newer makedumpfile reads that kernel's layout)"]
    }

    /// `makedumpfile --mem-usage VMCORE`: page counts by type, for the size estimate.
    public static func memUsageArguments(makedumpfile: String, vmcore: String) -> [String] {
        [makedumpfile, "--mem-usage", vmcore]
    }
}
