import KexecCore
import LinuxSystem
/// Reads Red Hat's /etc/kdump.conf (kdump-utils): one `key value…` per line, `#` comments.
///
/// Understood: `path DIR` (the save directory), `core_collector makedumpfile OPTIONS` (dump level `-d N` and
/// format `-c/-l/-p/-z/-E`, as MAKEDUMP_ARGS), a dump target file system (`ext4 UUID=…`, `xfs /dev/…`, kept in
/// `variables["target"]` as `TYPE SPEC`, resolved to its mount point by `RedHatDumpFilesystem`), and `kdump_commandline_append` / `kdump_commandline_remove` where
/// they are used. Everything else (ssh, nfs, kdump_post, failure_action …) is kept in `variables` unread;
/// what kdumpctl itself refuses is refused too (`syntaxError`).
/// The command line settings of kdump-utils live in /etc/sysconfig/kdump; `KdumpConfigReader` merges them in.
public enum RedHatKdumpConfReader {
    /// Red Hat's (Fedora's, CentOS') file.
    public static let file = "/etc/kdump.conf"
    /// The file systems a dump target line may name.
    static let targetTypes: Set<String> = ["ext2", "ext3", "ext4", "xfs", "btrfs", "minix", "virtiofs", "raw"]

    /// Options kdumpctl reads besides the dump targets (`parse_config` in kdump-utils' kdumpctl), plus
    /// `kdump_commandline_append`/`_remove`, which kreboot also takes from this file.
    static let knownOptions: Set<String> = [
        "path", "core_collector", "sshkey", "kdump_post", "kdump_pre", "kdump_emergency", "extra_bins",
        "extra_modules", "failure_action", "default", "final_action", "force_rebuild", "force_no_rebuild",
        "fence_kdump_args", "fence_kdump_nodes", "auto_reset_crashkernel", "dracut_args",
        "kdump_commandline_append", "kdump_commandline_remove",
    ]
    /// Options kdumpctl refuses as deprecated.
    static let deprecatedOptions: Set<String> = ["net", "options", "link_delay", "disk_timeout", "debug_mem_level", "blacklist"]

    /// Maps the lines of a kdump.conf onto `KdumpConfig`; `file` is recorded as given. Lines are read as
    /// kdumpctl reads them: `#` starts a comment (also after a value), a value in double quotes loses them.
    /// What kdumpctl refuses — an unknown or deprecated option, one given twice, two dump targets, an option
    /// without a value — becomes the config's `syntaxError` (the first such line), so the plan refuses it too.
    public static func parse(text: String, file: String = RedHatKdumpConfReader.file) -> KdumpConfig {
        var variables: [String: String] = [:]
        var syntaxError: KdumpConfigError?
        var targetOption: String?
        func refuse(_ option: String, _ reason: String) {
            if syntaxError == nil { syntaxError = KdumpConfigError(file: file, option: option, reason: reason) }
        }
        for (number, key, value) in lines(of: text) {
            guard key.count <= 64, key.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "_" || $0 == "-") }) else {
                // Binary or otherwise garbled: named by its line, never echoed.
                refuse("line \(number)", "not a kdump.conf option (kdumpctl refuses it)")
                continue
            }
            if key == "dracut_args", value.contains("--mount") {
                if let first = targetOption { refuse(key, "a second dump target (--mount) besides `\(first)`") }
                targetOption = targetOption ?? key
            }
            let isFilesystem = targetTypes.contains(key)
            let isTarget = isFilesystem || key == "nfs" || key == "ssh"
            if deprecatedOptions.contains(key) {
                refuse(key, "deprecated, kdumpctl refuses it (kdump.conf(5) names what replaces it)")
                continue
            }
            guard isTarget || knownOptions.contains(key) else {
                refuse(key, "not a kdump.conf option (kdumpctl refuses it)")
                continue
            }
            guard !value.isEmpty else {
                refuse(key, isFilesystem ? "no device (write `\(key) /dev/…`, `\(key) UUID=…` or `\(key) LABEL=…`)" : "no value")
                continue
            }
            if isTarget {
                if let first = targetOption {
                    refuse(key, "a second dump target besides `\(first)` (kdump.conf takes one)")
                    continue
                }
                targetOption = key
            }
            if isFilesystem {
                variables["target"] = "\(key) \(value)"
            } else if variables[key] != nil {
                refuse(key, "given twice")
            } else {
                variables[key] = value
            }
        }
        var config = KdumpConfig(file: file, variables: variables)
        config.syntaxError = syntaxError
        config.saveDir = variables["path"]
        if let collector = variables["core_collector"] {
            let words = collector.split(separator: " ", omittingEmptySubsequences: true)
            if words.first.map({ $0.hasSuffix("makedumpfile") }) == true {
                let (level, format) = KdumpConfigReader.parseMakedumpArguments(words.dropFirst().joined(separator: " "))
                config.dumpLevel = level
                config.dumpFormat = format
            }
        }
        config.commandLineAppend = variables["kdump_commandline_append"]
        config.commandLineRemove = variables["kdump_commandline_remove"]
        return config
    }

    /// The `(line number, option, value)` triples of `text` as kdumpctl's `kdump_read_conf` sees them: blank and comment
    /// lines skipped, the value cut at `#` and trimmed, one pair of surrounding double quotes removed.
    static func lines(of text: String) -> [(number: Int, key: String, value: String)] {
        var pairs: [(number: Int, key: String, value: String)] = []
        for (index, rawLine) in text.split(omittingEmptySubsequences: false, whereSeparator: \.isNewline).enumerated() {
            let line = rawLine.trimmingWhitespace()
            guard !line.isEmpty, !line.hasPrefix("#") else { continue }
            let key: Substring
            var value: Substring
            if let blank = line.firstIndex(where: { $0 == " " || $0 == "\t" }) {
                key = line[..<blank]
                value = line[blank...]
            } else {
                key = line[...]
                value = ""
            }
            if let hash = value.firstIndex(of: "#") { value = value[..<hash] }
            var trimmed = String(value).trimmingWhitespace()
            if trimmed.count >= 2, trimmed.hasPrefix("\""), trimmed.hasSuffix("\"") {
                trimmed = String(trimmed.dropFirst().dropLast())
            }
            pairs.append((index + 1, String(key), trimmed))
        }
        return pairs
    }

    /// `config` with kdump-utils' /etc/sysconfig/kdump settings laid over it: KDUMP_COMMANDLINE,
    /// KDUMP_COMMANDLINE_APPEND, KDUMP_COMMANDLINE_REMOVE and KDUMP_KERNELVER (what that file holds on
    /// Red Hat systems). kdump.conf's own keys are kept when the sysconfig file leaves them unset.
    public static func merging(_ config: KdumpConfig, sysconfig: KdumpConfig) -> KdumpConfig {
        var merged = config
        merged.commandLine = sysconfig.commandLine ?? config.commandLine
        merged.commandLineAppend = sysconfig.commandLineAppend ?? config.commandLineAppend
        merged.commandLineRemove = sysconfig.commandLineRemove ?? config.commandLineRemove
        merged.kernel = sysconfig.kernel ?? config.kernel
        merged.initrd = sysconfig.initrd ?? config.initrd
        for (name, value) in sysconfig.variables where merged.variables[name] == nil { merged.variables[name] = value }
        return merged
    }
}
