import KexecCore
import LinuxSystem
/// Reads the BLS Type #1 entry directories and turns their entries into `BootEntry` values.
enum BLSReader {
    /// An entries directory and the mount point its paths are relative to.
    struct Location: Sendable, Equatable {
        var directory: String
        var partition: String
    }

    static let locations = [
        Location(directory: "/boot/loader/entries", partition: "/boot"),
        Location(directory: "/boot/efi/loader/entries", partition: "/boot/efi"),
        Location(directory: "/efi/loader/entries", partition: "/efi"),
    ]

    /// A parsed entry with where it was found.
    struct Found: Sendable {
        var entry: BLSEntry
        var location: Location
    }

    /// The entries of `locations` that have a `linux` or `efi` line, unsorted; entries without one and
    /// unreadable files go to `problems`.
    static func read(root: RootDirectory, locations: [Location] = locations, problems: inout [String]) -> [Found] {
        var found: [Found] = []
        for location in locations {
            for name in root.listDirectory(location.directory) where name.hasSuffix(".conf") && !name.hasPrefix(".") {
                let path = location.directory + "/" + name
                guard root.exists(path) else { continue }
                guard let text = root.readFileText(path, limit: .configFile, problems: &problems) else { continue }
                let entry = BLSEntryParser.parse(text, fileName: name, file: path)
                guard entry.linux != nil || entry.efi != nil else {
                    problems.append("\(path): no 'linux' (or 'efi') line; not a bootable entry")
                    continue
                }
                found.append(Found(entry: entry, location: location))
            }
        }
        return found
    }

    /// Whether any entries directory has a `.conf` file (BLS is in use, even if every entry is broken).
    static func hasEntryFiles(root: RootDirectory) -> Bool {
        locations.contains { location in root.listDirectory(location.directory).contains { $0.hasSuffix(".conf") } }
            || UKIEntryReader.hasImages(root: root)
    }

    /// The boot entry for `found`: paths resolved against its partition; with `grubVariables`, `$var`s in
    /// `options` and `initrd` are expanded as GRUB's blscfg does (Fedora's `options $kernelopts`).
    static func bootEntry(_ found: Found, resolver: BootPathResolver, grubVariables: [String: String]? = nil) -> BootEntry {
        let entry = found.entry
        func path(_ written: String) -> String {
            resolver.resolve(written, directory: found.location.directory, partitionGuess: found.location.partition, preferPrefixed: true)
        }
        func expand(_ text: String) -> [String] {
            guard let variables = grubVariables else { return text.split(separator: " ").map(String.init) }
            return GrubLexer.tokenize(text).compactMap { token -> [String]? in
                if case .word(let word) = token { return word.expand(variables) } else { return nil }
            }.flatMap { $0 }
        }
        var extra = entry.extra
        if let efi = entry.efi { extra["efi"] = efi }
        if let left = entry.triesLeft { extra["tries-left"] = String(left) }
        if let done = entry.triesDone { extra["tries-done"] = String(done) }
        let initrds = entry.initrds.flatMap(expand).map(path)
        let options = entry.options.map { expand($0).joined(separator: " ") }
        let title = entry.title ?? entry.id
        let isUKI = entry.extra[UKIEntryReader.typeKey] == UKIEntryReader.typeValue
        return BootEntry(id: entry.id, title: title, kernel: path(entry.linux ?? entry.efi ?? ""), initrds: initrds,
                         options: options.flatMap { $0.isEmpty ? nil : $0 }, source: isUKI ? .uki : .bls, file: entry.file,
                         menuPath: [title], version: entry.version, sortKey: entry.sortKey,
                         machineID: entry.machineID, extra: extra)
    }
}
