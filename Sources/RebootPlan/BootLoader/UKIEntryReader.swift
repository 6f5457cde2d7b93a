import KexecCore
import LinuxSystem
/// Boot Loader Spec Type #2 entries: unified kernel images in `EFI/Linux/*.efi` on the ESP or XBOOTLDR, read as
/// systemd-boot and bootctl read them (src/shared/bootspec.c): the id is the file name with its boot counter
/// removed (`debian-6.1.0-28-amd64.efi`), the title, version and sort key come from the `.osrel` section
/// (PRETTY_NAME, else IMAGE_ID, NAME, ID; IMAGE_VERSION, else VERSION, VERSION_ID, BUILD_ID; IMAGE_ID, else ID),
/// the options from `.cmdline`. They sort with the Type #1 entries.
enum UKIEntryReader {
    /// The `EFI/Linux` directories and the partition each is on.
    static let locations = [
        BLSReader.Location(directory: "/boot/efi/EFI/Linux", partition: "/boot/efi"),
        BLSReader.Location(directory: "/efi/EFI/Linux", partition: "/efi"),
        BLSReader.Location(directory: "/boot/EFI/Linux", partition: "/boot"),
    ]

    /// The marker in `BLSEntry.extra` of an entry that is a UKI.
    static let typeKey = "type"
    static let typeValue = "uki"

    /// The UKIs of `locations` as entries, unsorted; a file that is not a UKI, or whose `.osrel` names no OS,
    /// is left out and noted in `problems` (systemd-boot skips it too).
    static func read(root: RootDirectory, locations: [BLSReader.Location] = locations,
                     problems: inout [String]) -> [BLSReader.Found] {
        var found: [BLSReader.Found] = []
        for location in locations {
            for name in root.listDirectory(location.directory) where name.lowercased().hasSuffix(".efi") && !name.hasPrefix(".") {
                let path = location.directory + "/" + name
                switch UKILayout.read(root: root, path: path) {
                case .failure(let error):
                    problems.append(error.message)
                case .success(nil):
                    problems.append("\(path): not a unified kernel image (no .linux section); not a boot entry")
                case .success(let layout?):
                    guard let entry = entry(layout, fileName: name, path: path, partition: location.partition) else {
                        problems.append("\(path): its .osrel names no OS (no PRETTY_NAME, IMAGE_ID, NAME or ID); systemd-boot skips it")
                        continue
                    }
                    found.append(BLSReader.Found(entry: entry, location: location))
                }
            }
        }
        return found
    }

    /// Whether any `EFI/Linux` directory holds a `.efi` file.
    static func hasImages(root: RootDirectory) -> Bool {
        locations.contains { root.listDirectory($0.directory).contains { $0.lowercased().hasSuffix(".efi") } }
    }

    /// The entry systemd-boot makes of the UKI `layout` in file `fileName`; nil when `.osrel` names no OS.
    static func entry(_ layout: UKILayout, fileName: String, path: String, partition: String) -> BLSEntry? {
        let os = layout.osRelease
        func first(_ keys: String...) -> String? { keys.lazy.compactMap { os[$0].flatMap { $0.isEmpty ? nil : $0 } }.first }
        guard let title = first("PRETTY_NAME", "IMAGE_ID", "NAME", "ID") else { return nil }
        let identity = identity(fileName: fileName)
        let written = partition == "/" ? path : String(path.dropFirst(partition.count))
        var entry = BLSEntry(fileName: fileName, file: path, id: identity.id, triesLeft: identity.triesLeft,
                             triesDone: identity.triesDone, title: title, version: first("IMAGE_VERSION", "VERSION", "VERSION_ID", "BUILD_ID"),
                             sortKey: first("IMAGE_ID", "ID"), linux: written)
        entry.options = layout.commandLine
        entry.extra[typeKey] = typeValue
        if let release = layout.release { entry.extra["uname"] = release }
        return entry
    }

    /// `debian+3-1.efi` → (`debian.efi`, 3, 1), as systemd's boot_filename_extract_tries.
    static func identity(fileName: String) -> (id: String, triesLeft: Int?, triesDone: Int?) {
        let lower = fileName.lowercased()
        guard lower.hasSuffix(".efi") else { return (fileName, nil, nil) }
        let suffix = String(fileName.suffix(4))
        let counted = BLSEntryParser.identity(fileName: String(fileName.dropLast(4)))
        return (counted.id + suffix, counted.triesLeft, counted.triesDone)
    }
}
