import KexecCore
import LinuxSystem
/// Reads Red Hat's /etc/kdump.conf (kdump-utils): one `key value…` per line, `#` comments.
///
/// Understood: `path DIR` (the save directory), `core_collector makedumpfile OPTIONS` (dump level `-d N` and
/// format `-c/-l/-p/-z/-E`, as MAKEDUMP_ARGS), a dump target file system (`ext4 UUID=…`, `xfs /dev/…`, kept in
/// `variables["target"]` as `TYPE SPEC`, resolved to its mount point by `RedHatDumpFilesystem`), and `kdump_commandline_append` / `kdump_commandline_remove` where
/// they are used. Everything else (ssh, nfs, kdump_post, failure_action …) is kept in `variables` unread.
/// The command line settings of kdump-utils live in /etc/sysconfig/kdump; `KdumpConfigReader` merges them in.
public enum RedHatKdumpConfReader {
    /// Red Hat's (Fedora's, CentOS') file.
    public static let file = "/etc/kdump.conf"
    /// The file systems a dump target line may name.
    static let targetTypes: Set<String> = ["ext2", "ext3", "ext4", "xfs", "btrfs", "minix", "virtiofs", "raw"]

    /// Maps the lines of a kdump.conf onto `KdumpConfig`; `file` is recorded as given.
    public static func parse(text: String, file: String = RedHatKdumpConfReader.file) -> KdumpConfig {
        var variables: [String: String] = [:]
        for rawLine in text.split(whereSeparator: { $0 == "\n" || $0 == "\r" }) {
            let line = rawLine.trimmingWhitespace()
            guard !line.isEmpty, !line.hasPrefix("#") else { continue }
            let key: Substring
            let value: String
            if let blank = line.firstIndex(where: { $0 == " " || $0 == "\t" }) {
                key = line[..<blank]
                value = String(line[blank...]).trimmingWhitespace()
            } else {
                key = line[...]
                value = ""
            }
            if targetTypes.contains(String(key)) {
                variables["target"] = "\(key) \(value)"
            } else {
                variables[String(key)] = value
            }
        }
        var config = KdumpConfig(file: file, variables: variables)
        config.saveDir = variables["path"].flatMap { $0.isEmpty ? nil : $0 }
        if let collector = variables["core_collector"] {
            let words = collector.split(separator: " ", omittingEmptySubsequences: true)
            if words.first.map({ $0.hasSuffix("makedumpfile") }) == true {
                let (level, format) = KdumpConfigReader.parseMakedumpArguments(words.dropFirst().joined(separator: " "))
                config.dumpLevel = level
                config.dumpFormat = format
            }
        }
        config.commandLineAppend = variables["kdump_commandline_append"].flatMap { $0.isEmpty ? nil : $0 }
        config.commandLineRemove = variables["kdump_commandline_remove"].flatMap { $0.isEmpty ? nil : $0 }
        return config
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
