import KexecCore
import LinuxSystem
#if canImport(Glibc)
import Glibc
#endif
/// Reads GRUB2's grub.cfg (and grubenv) into boot entries in menu order plus the default entry.
enum GrubReader {
    static let configCandidates = ["/boot/grub/grub.cfg", "/boot/grub2/grub.cfg"]
    static let environmentCandidates = ["/boot/grub/grubenv", "/boot/grub2/grubenv"]

    /// What GRUB's configuration says.
    struct Result: Sendable {
        /// Linux entries in menu order (flattened depth-first), `index` as GRUB counts it.
        var entries: [BootEntry] = []
        var defaultIndex: Int? = nil
        var rule: String = ""
        var problems: [String] = []
        /// The grubenv holding the `next_entry` that chose the default (GRUB clears it as it boots it).
        var oneTimeEntryFile: String? = nil
        /// The grub.cfg whose menu GRUB shows: the first one, or the one it handed over to with `configfile`.
        var configFile: String = ""
    }

    /// The grub.cfg in charge, when one exists under `root`. A UEFI GRUB reads the one on the EFI system
    /// partition first (`EFI/<vendor>/grub.cfg`: RHEL/CentOS 7 and 8 keep the whole menu there, Debian, Ubuntu
    /// and Fedora a stub that hands over to /boot/grub(2)/grub.cfg); /boot/grub/grub.cfg is the one when the
    /// running system booted through BIOS (it has /sys/firmware but no /sys/firmware/efi) or there is no ESP one.
    static func configFile(root: RootDirectory) -> String? {
        let legacy = configCandidates.first { root.exists($0) }
        let bootedByBIOS = root.isDirectory("/sys/firmware") && !root.isDirectory("/sys/firmware/efi")
        if bootedByBIOS, let legacy { return legacy }
        return efiConfigFiles(root: root).first ?? legacy
    }

    /// The ESP mount points GRUB's EFI directory is looked for under.
    static let efiSystemPartitions = ["/boot/efi", "/efi"]

    /// `EFI/<vendor>/grub.cfg` files on the ESP: the vendor named by os-release's ID first, then the others by
    /// name, the removable-media path `EFI/BOOT` last.
    static func efiConfigFiles(root: RootDirectory) -> [String] {
        let osID = root.readText("/etc/os-release").map { OSRelease.parse($0)["ID"] ?? "" } ?? ""
        var found: [String] = []
        for esp in efiSystemPartitions {
            let vendors = root.listDirectory(esp + "/EFI").sorted { a, b in
                func rank(_ name: String) -> Int { name.lowercased() == osID.lowercased() ? 0 : name.uppercased() == "BOOT" ? 2 : 1 }
                return (rank(a), a) < (rank(b), b)
            }
            for vendor in vendors where root.exists("\(esp)/EFI/\(vendor)/grub.cfg") {
                found.append("\(esp)/EFI/\(vendor)/grub.cfg")
            }
        }
        return found
    }

    /// The most `configfile` hand-overs followed from the first grub.cfg.
    static let maximumHandOvers = 4

    /// Reads `configFile` and its grubenv; never fails, problems are reported in the result. `inherited` are the
    /// variables a `configfile` context starts with; `via` the files that handed over to this one.
    static func read(root: RootDirectory, configFile: String, resolver: BootPathResolver,
                     inherited: [String: String] = [:], via: [String] = []) -> Result {
        var result = Result()
        result.configFile = configFile
        var bytes: [UInt8]
        do throws(SystemError) {
            guard let read = try root.readFile(configFile, limit: .grubConfig) else { throw SystemError(.badData, "\(configFile): cannot be read") }
            bytes = read
        } catch {
            result.problems.append(error.message)
            result.rule = "GRUB \(configFile) cannot be read; nothing to boot"
            return result
        }
        if isBinary(bytes) {
            result.problems.append("\(configFile): binary data, not a GRUB script; GRUB cannot show a menu")
            result.rule = "GRUB \(configFile) is not a text file; nothing to boot"
            return result
        }
        if bytes.allSatisfy({ $0 == 0x20 || $0 == 0x09 || $0 == 0x0A || $0 == 0x0D }) {
            result.problems.append("\(configFile): empty; GRUB has no menu entries")
            result.rule = "GRUB \(configFile) is empty; nothing to boot"
            return result
        }
        let files = GrubSourceFiles(root: root)
        // The text and its tree are let go as soon as the menu is built (`take`), so a large grub.cfg is
        // not held three times over while the entries are made.
        var parsed = files.parse(bytes: bytes, file: configFile)
        let inputBytes = bytes.count
        bytes = []
        result.problems += parsed.problems

        let directory = String(configFile[..<configFile.lastIndex(of: "/")!])
        let envCandidates = [directory + "/grubenv"] + environmentCandidates.filter { $0 != directory + "/grubenv" }
        let grubenv = GrubEnvironment.read(root: root, candidates: envCandidates, problems: &result.problems)
        if let grubenv, grubenv.nextEntry != nil { result.oneTimeEntryFile = grubenv.file }
        // GRUB sets these to the directory it loaded grub.cfg from; Debian's 41_custom sources
        // ${config_directory}/custom.cfg, so an entry added there is in the menu (and may be the default).
        let loaderDirectory = resolver.loaderPath(of: directory)
        let grubVariables = ["config_directory": loaderDirectory, "prefix": loaderDirectory].merging(inherited) { $1 }
        let devices = SearchCache(GrubDeviceFinder(root: root, mounts: resolver.mounts))
        let tree = parsed.nodes
        parsed.nodes = []
        var menu = GrubMenuBuilder.build(consume tree, environment: grubVariables.merging(grubenv?.variables ?? [:]) { $1 },
                                         include: { [files] written in
                                             sourcedScript(written, files: files, resolver: resolver, directory: directory)
                                         }, search: { devices.mountPoint(for: $0) }, identity: files.identity(of: configFile),
                                         inputBytes: inputBytes)
        result.problems += menu.problems
        if let handOver = menu.handOver {
            let chain = via + [configFile]
            guard chain.count <= maximumHandOvers, !chain.contains(handOver.path) else {
                result.problems.append("\(configFile): configfile \(handOver.written) loops back or hands over more than \(maximumHandOvers) times; not followed")
                result.rule = "GRUB \(configFile) hands over in a loop; nothing to boot"
                return result
            }
            var next = read(root: root, configFile: handOver.path, resolver: resolver, inherited: handOver.variables, via: chain)
            if resolver.resolveGrub(handOver.written, rootDevice: nil, directory: directory).guessed && !menu.unresolvedSearches.isEmpty {
                result.problems.append("\(configFile): GRUB's search \(menu.unresolvedSearches.joined(separator: ", ")) found no file system in the mount table, /dev/disk or /etc/fstab; configfile \(handOver.written) taken as \(handOver.path), the /boot or / that holds it")
            }
            next.problems = result.problems + next.problems
            if via.isEmpty {
                next.rule += " (\(chain.joined(separator: " → ")) → \(next.configFile) by configfile)"
            }
            return next
        }

        var blsProblems: [String] = []
        var guessed = false
        let items = menu.items
        menu.items = []  // held in `nodes` and `result.entries` now; a large menu is not kept twice
        // Sized once (doubling would hold two copies at a time), with room for the /boot/vmlinuz entry the caller adds.
        result.entries.reserveCapacity(entryCount(items) + 1)
        var nodes = menuNodes(consume items, indexPrefix: "", titles: [], variables: menu.variables, root: root, resolver: resolver,
                              directory: directory, shared: SharedValues(configFile: directory + "/grub.cfg"), entries: &result.entries,
                              guessed: &guessed, problems: &blsProblems)
        result.problems += blsProblems
        if guessed && !menu.unresolvedSearches.isEmpty {
            result.problems.append("\(configFile): GRUB's search \(menu.unresolvedSearches.joined(separator: ", ")) found no file system in the mount table, /dev/disk or /etc/fstab; kernel paths read from the /boot or / that holds them")
        }

        let choice = GrubDefaultResolver.choose(menu: nodes, assignments: menu.defaultAssignments,
                                                variables: menu.variables, grubenv: grubenv, configFile: configFile)
        result.problems += choice.problems
        result.rule = choice.rule
        let defaultTitle = choice.path.flatMap { node(at: $0, in: nodes)?.title }
        nodes = []
        if let path = choice.path {
            let index = path.map(String.init).joined(separator: ">")
            result.defaultIndex = result.entries.firstIndex { $0.index == index }
            if result.defaultIndex == nil {
                let name = defaultTitle.map { "\"\($0)\"" } ?? "?"
                result.problems.append("\(configFile): the default entry \(name) (\(index)) loads no Linux kernel")
                result.rule += "; that entry (\(index)) loads no Linux kernel"
            }
        }
        return result
    }

    /// The script of a file that grub.cfg sources, or nil when it does not exist (GRUB's `[ -f … ]` guards
    /// are not evaluated) or is not a text file. Read once per file identity through `files`.
    private static func sourcedScript(_ written: String, files: GrubSourceFiles, resolver: BootPathResolver,
                                      directory: String) -> GrubMenuBuilder.Script? {
        let path = resolver.resolveGrub(written, rootDevice: nil, directory: directory).path
        return files.script(at: path)
    }

    /// NUL bytes or many control characters: not a script GRUB would run.
    static func isBinary(_ bytes: [UInt8]) -> Bool {
        if bytes.withUnsafeBufferPointer({ buffer in buffer.baseAddress.map { memchr($0, 0, buffer.count) != nil } ?? false }) {
            return true
        }
        let control = bytes.prefix(65536).filter { $0 < 32 && $0 != 9 && $0 != 10 && $0 != 13 && $0 != 12 }.count
        return control * 20 > min(bytes.count, 65536)
    }

    /// The menu with paths resolved and `blscfg` replaced by the BLS entries in Fedora's order. Each Linux
    /// entry is appended to `entries` (depth first, menu order) with its GRUB index (`1>2`: `indexPrefix` plus
    /// its position) and menu titles (`titles` plus its own), and its node holds its position there. Each item
    /// is let go as soon as its entry is made, so a large menu is not held twice over.
    private static func menuNodes(_ items: consuming [GrubMenu.Item], indexPrefix: String, titles: [String],
                                  variables: [String: String], root: RootDirectory,
                                  resolver: BootPathResolver, directory: String, shared: SharedValues,
                                  entries: inout [BootEntry], guessed: inout Bool, problems: inout [String]) -> [GrubMenuNode] {
        var nodes: [GrubMenuNode] = []
        /// Appends a BLS entry with its index and menu titles.
        func add(_ entry: BootEntry, title: String) -> Int {
            var entry = entry
            entry.index = indexPrefix + String(nodes.count)
            entry.menuPath = titles + [title]
            entries.append(entry)
            return entries.count - 1
        }
        /// Appends a GRUB menu entry's boot entry, made with its index (no copy of it is made to set that).
        func addGrub(_ entry: GrubMenuEntry) -> Int? {
            guard let made = bootEntry(entry, index: indexPrefix + String(nodes.count), menuTitles: titles, resolver: resolver,
                                       directory: directory, shared: shared, guessed: &guessed) else { return nil }
            entries.append(made)
            return entries.count - 1
        }
        var items = items
        nodes.reserveCapacity(items.count)
        for i in items.indices {
            var item = GrubMenu.Item.blscfg
            swap(&item, &items[i])  // moved out of the list, not copied
            switch consume item {
            case .entry(let entry):
                nodes.append(.entry(title: entry.title, id: entry.id, entry: addGrub(entry)))
            case .submenu(let title, let id, let children):
                let position = nodes.count
                let inner = menuNodes(children, indexPrefix: indexPrefix + String(position) + ">", titles: titles + [title],
                                      variables: variables, root: root, resolver: resolver, directory: directory,
                                      shared: shared, entries: &entries, guessed: &guessed, problems: &problems)
                nodes.append(.submenu(title: title, id: id, children: inner))
            case .blscfg:
                let location = BLSReader.locations[0]
                let found = BLSSorter.grubBLSSorted(BLSReader.read(root: root, locations: [location], problems: &problems))
                for one in found {
                    let entry = BLSReader.bootEntry(one, resolver: resolver, grubVariables: variables)
                    nodes.append(.entry(title: entry.title, id: entry.id, entry: add(entry, title: entry.title)))
                }
            }
        }
        return nodes
    }

    /// The boot entry of a menu entry in the submenus titled `menuTitles`, at `index` in GRUB's menu; nil when it
    /// loads no Linux kernel. Its paths are resolved in the place `shared` keeps for the entry's `root` device,
    /// and its options, file and `--class` values are those kept in `shared` when they are the same as before.
    private static func bootEntry(_ entry: GrubMenuEntry, index: String, menuTitles: [String], resolver: BootPathResolver,
                                  directory: String, shared: SharedValues, guessed: inout Bool) -> BootEntry? {
        // GRUB reads the kernel from its `root` device (a `search` result), else, as far as kreboot can tell,
        // from the file system holding grub.cfg (`directory`).
        guard let linux = entry.linux, let image = linux.first else { return nil }
        let place = shared.place(rootDevice: entry.rootDevice, directory: directory, resolver: resolver)
        let kernel = resolver.resolveGrub(image, in: place)
        var anyGuessed = kernel.guessed
        var initrds: [String] = []
        initrds.reserveCapacity(entry.initrds.count)
        for written in entry.initrds {
            let resolved = resolver.resolveGrub(written, in: place)
            if resolved.guessed { anyGuessed = true }
            initrds.append(resolved.path)
        }
        if anyGuessed { guessed = true }
        var menuPath: [String] = []
        menuPath.reserveCapacity(menuTitles.count + 1)
        menuPath.append(contentsOf: menuTitles)
        menuPath.append(entry.title)
        let file = entry.file.map { shared.file($0) } ?? shared.configFile
        return BootEntry(id: entry.id ?? entry.title, title: entry.title, kernel: kernel.path, initrds: initrds,
                         options: shared.options(linux.dropFirst()), source: .grub, file: file, menuPath: menuPath, index: index,
                         extra: shared.extra(classes: entry.classes, command: entry.linuxCommand))
    }

    /// At most how many Linux entries `items` makes (every menu entry; `blscfg` adds its own), submenus included.
    private static func entryCount(_ items: [GrubMenu.Item]) -> Int {
        items.reduce(0) { count, item in
            switch item {
            case .entry: return count + 1
            case .submenu(_, _, let children): return count + entryCount(children)
            case .blscfg: return count
            }
        }
    }

    private static func node(at path: [Int], in nodes: [GrubMenuNode]) -> GrubMenuNode? {
        var level = nodes
        var current: GrubMenuNode? = nil
        for index in path {
            guard index < level.count else { return nil }
            current = level[index]
            if case .submenu(_, _, let children) = level[index] { level = children }
        }
        return current
    }
}
