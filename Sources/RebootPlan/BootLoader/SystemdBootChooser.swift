import KexecCore
import LinuxSystem
/// Reads BLS entries as systemd-boot does: sorts them in systemd's order and picks the default from the
/// EFI variables `LoaderEntryOneShot` / `LoaderEntryDefault`, else loader.conf's `default` glob
/// (`@saved` meaning `LoaderEntryLastBooted`), else the first entry in sorted order.
enum SystemdBootChooser {
    /// The discovery for a BLS-only system (kind `.bls`); `problems` collects what went wrong.
    static func choose(root: RootDirectory, resolver: BootPathResolver, problems: inout [String]) -> BootLoaderDiscovery {
        let found = (BLSReader.read(root: root, problems: &problems) + UKIEntryReader.read(root: root, problems: &problems))
            .sorted { BLSSorter.systemdOrder($0.entry, $1.entry) }
        let loaderConf = LoaderConf.read(root: root, problems: &problems)
        let directories = Set(found.map(\.location.directory)).sorted()
        let configFile = loaderConf?.file ?? directories.first ?? BLSReader.locations[0].directory
        var entries = found.map { BLSReader.bootEntry($0, resolver: resolver) }
        for n in entries.indices { entries[n].index = String(n) }
        guard !entries.isEmpty else {
            return BootLoaderDiscovery(defaultRule: "no bootable BLS entry in \(BLSReader.locations.map(\.directory).joined(separator: ", "))",
                                       configFile: configFile, kind: .bls)
        }
        let sortedEntries = found.map(\.entry)
        func firstMatch(_ pattern: String) -> Int? { sortedEntries.firstIndex { LoaderConf.matches(pattern, $0) } }

        var rules: [String] = []
        let oneShot = LoaderConf.efiVariable("LoaderEntryOneShot", root: root)
        var chosen = choose(oneShot: oneShot, entries: entries, firstMatch: firstMatch, loaderConf: loaderConf, root: root,
                            configFile: configFile, rules: &rules, problems: &problems)
        chosen.systemdBootOneShot = oneShot
        return chosen
    }

    /// systemd-boot's choice: LoaderEntryOneShot, LoaderEntryDefault, loader.conf's `default`, the first entry.
    private static func choose(oneShot: String?, entries: [BootEntry], firstMatch: (String) -> Int?, loaderConf: LoaderConf?,
                               root: RootDirectory, configFile: String, rules: inout [String],
                               problems: inout [String]) -> BootLoaderDiscovery {
        let vars = LoaderConf.efiVariableDirectory
        if let oneShot {
            if let n = firstMatch(oneShot) {
                return discovery(entries, n, "EFI variable LoaderEntryOneShot \"\(oneShot)\" in \(vars) (one-time, set by bootctl set-oneshot)", configFile)
            }
            rules.append("LoaderEntryOneShot \"\(oneShot)\" matches no entry")
        }
        if let efiDefault = LoaderConf.efiVariable("LoaderEntryDefault", root: root) {
            if let n = firstMatch(efiDefault) {
                return discovery(entries, n, "EFI variable LoaderEntryDefault \"\(efiDefault)\" in \(vars)", configFile)
            }
            rules.append("LoaderEntryDefault \"\(efiDefault)\" matches no entry")
        }
        if let conf = loaderConf, let pattern = conf.defaultPattern {
            if pattern == "@saved" {
                if let saved = LoaderConf.efiVariable("LoaderEntryLastBooted", root: root), let n = firstMatch(saved) {
                    return discovery(entries, n, "loader.conf default @saved in \(conf.file): LoaderEntryLastBooted \"\(saved)\"", configFile)
                }
                rules.append("loader.conf default @saved in \(conf.file) has no saved entry")
            } else if let n = firstMatch(pattern) {
                return discovery(entries, n, "loader.conf default \"\(pattern)\" in \(conf.file)", configFile)
            } else {
                rules.append("loader.conf default \"\(pattern)\" in \(conf.file) matches no entry")
                problems.append("\(conf.file): default \"\(pattern)\" matches no entry; systemd-boot boots the first entry")
            }
        }
        rules.append("systemd-boot boots the first entry in sorted order")
        return discovery(entries, 0, rules.joined(separator: "; "), configFile)
    }

    private static func discovery(_ entries: [BootEntry], _ index: Int, _ rule: String, _ configFile: String) -> BootLoaderDiscovery {
        BootLoaderDiscovery(entries: entries, defaultIndex: index, defaultRule: rule, configFile: configFile, kind: .bls)
    }
}
