import RebootPlan

/// The kdump configuration for the kdump commands: `--config FILE`, else what KdumpConfigReader finds
/// under the root, else the defaults.
enum KdumpConfigLoader {
    /// Loads the configuration; a `--config` file that cannot be read is an error naming it.
    static func load(file: String?, root: RootDirectory) throws(KdumpConfigLoadError) -> KdumpConfig {
        guard let file else {
            return KdumpConfigReader.read(root: root) ?? KdumpConfig(file: "(defaults)")
        }
        guard let text = RootDirectory().readText(file) else { throw KdumpConfigLoadError(message: "\(file): cannot read") }
        return parse(text: text, file: file)
    }

    /// Stand-in until KdumpConfigReader.parse(text:file:) (another branch) is merged: `KEY=VALUE`
    /// lines, one level of surrounding single or double quotes removed, comments skipped.
    /// After the merge this body becomes `KdumpConfigReader.parse(text: text, file: file)`.
    static func parse(text: String, file: String) -> KdumpConfig {
        var variables: [String: String] = [:]
        for raw in text.split(separator: "\n") {
            let line = raw.trimmingWhitespace()
            guard !line.hasPrefix("#"), let eq = line.firstIndex(of: "=") else { continue }
            var value = String(line[line.index(after: eq)...]).trimmingWhitespace()
            if value.count >= 2, let first = value.first, first == "\"" || first == "'", value.last == first {
                value = String(value.dropFirst().dropLast())
            }
            variables[String(line[..<eq]).trimmingWhitespace()] = value
        }
        let yes: (String?) -> Bool? = { $0.map { ["yes", "true", "1", "on"].contains($0.lowercased()) } }
        return KdumpConfig(file: file, saveDir: variables["KDUMP_SAVEDIR"] ?? variables["KDUMP_COREDIR"],
                           keepOldDumps: variables["KDUMP_KEEP_OLD_DUMPS"].flatMap { Int($0) },
                           freeDiskSizeMiB: variables["KDUMP_FREE_DISK_SIZE"].flatMap { Int($0) },
                           dumpLevel: variables["KDUMP_DUMPLEVEL"].flatMap { Int($0) },
                           dumpFormat: variables["KDUMP_DUMPFORMAT"],
                           immediateReboot: yes(variables["KDUMP_IMMEDIATE_REBOOT"]),
                           commandLine: variables["KDUMP_COMMANDLINE"], commandLineAppend: variables["KDUMP_COMMANDLINE_APPEND"],
                           kernel: variables["KDUMP_KERNEL"], initrd: variables["KDUMP_INITRD"], variables: variables)
    }
}

/// A `--config` file that could not be read.
struct KdumpConfigLoadError: Error {
    let message: String
}
