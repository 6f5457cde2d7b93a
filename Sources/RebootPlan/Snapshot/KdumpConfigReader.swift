import KexecCore
import LinuxSystem
/// Reads the kdump configuration, mapping each distribution's vocabulary onto `KdumpConfig`: Red Hat's
/// /etc/kdump.conf (with /etc/sysconfig/kdump's command line settings laid over it) when it exists, else
/// SUSE's /etc/sysconfig/kdump, else Debian's /etc/default/kdump-tools.
public enum KdumpConfigReader {
    /// SUSE's (and Fedora's) file; read first.
    public static let suseFile = "/etc/sysconfig/kdump"
    /// Debian's and Ubuntu's file (package kdump-tools).
    public static let debianFile = "/etc/default/kdump-tools"

    /// The configuration under `root`; nil when no file exists or is readable.
    public static func read(root: RootDirectory) -> KdumpConfig? {
        var ignored: [String] = []
        return read(root: root, problems: &ignored)
    }

    /// `read(root:)`, adding why a configuration file that is there could not be read (a FIFO, a directory,
    /// over the size cap) to `problems`, naming the file; such a file counts as absent.
    public static func read(root: RootDirectory, problems: inout [String]) -> KdumpConfig? {
        func text(_ file: String) -> String? {
            do { return try root.readFileText(file, limit: .configFile) } catch {
                problems.append(error.message)
                return nil
            }
        }
        if let text = text(RedHatKdumpConfReader.file) {
            let conf = resolvingTarget(RedHatKdumpConfReader.parse(text: text), root: root)
            guard let sysconfig = (try? root.readFileText(suseFile, limit: .configFile)) ?? nil else { return conf }
            return RedHatKdumpConfReader.merging(conf, sysconfig: parse(text: sysconfig, file: suseFile))
        }
        for file in [suseFile, debianFile] {
            if let text = text(file) { return parse(text: text, file: file) }
        }
        return nil
    }

    /// `config` with Red Hat's dump target file system resolved against `root`'s mount table (read only
    /// when kdump.conf names one): `RedHatDumpFilesystem`.
    static func resolvingTarget(_ config: KdumpConfig, root: RootDirectory) -> KdumpConfig {
        guard config.variables["target"] != nil else { return config }
        return RedHatDumpFilesystem.resolve(config, root: root, mounts: try? MountTableReader.read(root: root).entries)
    }

    /// Every kdump configuration present under `root`, one per service (kdump-utils' /etc/kdump.conf with
    /// /etc/sysconfig/kdump laid over it, else SUSE's /etc/sysconfig/kdump; Debian's /etc/default/kdump-tools),
    /// in `read`'s order of precedence.
    public static func readAll(root: RootDirectory) -> [KdumpConfig] {
        var configs: [KdumpConfig] = []
        let sysconfig = ((try? root.readFileText(suseFile, limit: .configFile)) ?? nil).map { parse(text: $0, file: suseFile) }
        if let text = (try? root.readFileText(RedHatKdumpConfReader.file, limit: .configFile)) ?? nil {
            let conf = resolvingTarget(RedHatKdumpConfReader.parse(text: text), root: root)
            configs.append(sysconfig.map { RedHatKdumpConfReader.merging(conf, sysconfig: $0) } ?? conf)
        } else if let sysconfig {
            configs.append(sysconfig)
        }
        if let text = (try? root.readFileText(debianFile, limit: .configFile)) ?? nil { configs.append(parse(text: text, file: debianFile)) }
        return configs
    }

    /// Maps the assignments of a kdump configuration file onto `KdumpConfig`. `file` is recorded as given.
    ///
    /// SUSE and Debian names both count (SUSE first): KDUMP_SAVEDIR / KDUMP_COREDIR,
    /// KDUMP_COMMANDLINE / KDUMP_CMDLINE, KDUMP_COMMANDLINE_APPEND / KDUMP_CMDLINE_APPEND, KDUMP_COMMANDLINE_REMOVE,
    /// KDUMP_DUMPLEVEL and KDUMP_DUMPFORMAT / MAKEDUMP_ARGS (`-d N`, `-c -l -p -z -E`),
    /// KDUMP_KERNEL / KDUMP_KERNELVER (a version means /boot/vmlinuz-VERSION), KDUMP_INITRD.
    /// An empty value counts as unset for these named fields, as kdump's scripts treat it; `variables` keeps it.
    public static func parse(text: String, file: String) -> KdumpConfig {
        let variables = ShellAssignments(parsing: text).values
        func value(_ names: String...) -> String? {
            for name in names { if let v = variables[name], !v.isEmpty { return v } }
            return nil
        }
        let makedump = value("MAKEDUMP_ARGS").map(parseMakedumpArguments)
        return KdumpConfig(
            file: file,
            saveDir: value("KDUMP_SAVEDIR", "KDUMP_COREDIR"),
            keepOldDumps: value("KDUMP_KEEP_OLD_DUMPS").flatMap { Int($0) },
            freeDiskSizeMiB: value("KDUMP_FREE_DISK_SIZE").flatMap { Int($0) },
            dumpLevel: value("KDUMP_DUMPLEVEL").flatMap { Int($0) } ?? makedump?.dumpLevel,
            dumpFormat: value("KDUMP_DUMPFORMAT") ?? makedump?.dumpFormat,
            immediateReboot: value("KDUMP_IMMEDIATE_REBOOT").flatMap(parseBoolean),
            commandLine: value("KDUMP_COMMANDLINE", "KDUMP_CMDLINE"),
            commandLineAppend: value("KDUMP_COMMANDLINE_APPEND", "KDUMP_CMDLINE_APPEND"),
            commandLineRemove: value("KDUMP_COMMANDLINE_REMOVE"),
            kernel: value("KDUMP_KERNEL") ?? value("KDUMP_KERNELVER").map(kernelPath(forVersion:)),
            initrd: value("KDUMP_INITRD"),
            variables: variables
        )
    }

    /// `yes/no/true/false/1/0` (any case) → Bool; nil for anything else.
    public static func parseBoolean(_ text: String) -> Bool? {
        switch text.lowercased() {
        case "yes", "true", "1", "on": return true
        case "no", "false", "0", "off": return false
        default: return nil
        }
    }

    /// SUSE's KDUMP_KERNELVER: a release such as `6.4.0-150600.23.7-default` means `/boot/vmlinuz-<release>`;
    /// an absolute path is taken as it is.
    public static func kernelPath(forVersion version: String) -> String {
        version.hasPrefix("/") ? version : "/boot/vmlinuz-" + version
    }

    /// The dump level (`-d N`, `-dN`) and format of makedumpfile arguments (Debian's MAKEDUMP_ARGS),
    /// in SUSE's KDUMP_DUMPFORMAT words: `-c` compressed, `-l` lzo, `-p` snappy, `-z` zstd, `-E` ELF.
    /// Options makedumpfile takes in one cluster (`-cd31`) are understood too; long options are skipped.
    public static func parseMakedumpArguments(_ arguments: String) -> (dumpLevel: Int?, dumpFormat: String?) {
        let formats: [Character: String] = ["c": "compressed", "l": "lzo", "p": "snappy", "z": "zstd", "E": "ELF"]
        var level: Int?
        var format: String?
        let words = arguments.split(whereSeparator: { $0 == " " || $0 == "\t" || $0 == "\n" })
        var i = 0
        while i < words.count {
            let word = words[i]
            i += 1
            guard word.hasPrefix("-"), !word.hasPrefix("--") else { continue }
            var letters = word.dropFirst()
            while let letter = letters.first {
                letters = letters.dropFirst()
                if let name = formats[letter] {
                    format = name
                } else if letter == "d" {
                    if letters.isEmpty, i < words.count {
                        level = Int(words[i]); i += 1
                    } else {
                        level = Int(letters)
                    }
                    break
                }
            }
        }
        return (level, format)
    }
}
