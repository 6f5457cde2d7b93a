import KexecCore
import LinuxSystem
/// Builds GRUB's menu from a parsed grub.cfg without running the script: top-level `set` commands and
/// `name=value` assignments update the variables (starting from grubenv's), `if` conditions of the
/// `[ … ]` kind are evaluated when they can be (others count as true), and every `menuentry` counts,
/// whichever branch it is in. `set default=` in branches that are taken (or may be) is collected, not
/// applied: `GrubDefaultResolver` decides. `source FILE` in a branch that is taken (or may be) reads FILE
/// through `include` and walks it in place, as GRUB does (Debian's 41_custom sources custom.cfg).
struct GrubMenuBuilder {
    /// Reads a file that `source` names, as written in grub.cfg (after expansion): its path on this system,
    /// its parsed script and its parse problems, or nil when there is no such file.
    /// `identity` names the file whatever path reached it (device and inode): sourcing a file that is
    /// being read already is a loop, reported and skipped.
    /// `bytes` is how many bytes of text were read for it now (0 when it was read before).
    typealias Script = (path: String, identity: String?, nodes: [GrubNode], problems: [String], bytes: Int)
    typealias Include = (String) -> Script?
    /// Finds the file system a `search` names: its mount point, or nil when it cannot be found.
    typealias Search = (GrubSearch) -> String?

    /// GRUB's own feature variables, which generated scripts test (`[ x$feature_… = xy ]`).
    static let builtinVariables: [String: String] = [
        "feature_menuentry_id": "y", "feature_default_font_path": "y", "feature_all_video_module": "y",
        "feature_platform_search_hint": "y", "feature_timeout_style": "y", "feature_chainloader_bpb": "y",
        "feature_ntldr": "y", "feature_200_final": "y", "menuentry_id_option": "--id",
    ]

    /// Variables that the builder never overwrites from grub.cfg: the default decision reads them from grubenv.
    static let protectedVariables: Set<String> = ["default", "saved_entry", "next_entry", "prev_saved_entry"]

    var menu = GrubMenu()
    /// Functions defined so far (`function gfxmode { … }`), run when an entry calls them.
    var functions: [String: [GrubNode]] = [:]
    /// The functions whose bodies refer to their arguments (`$1`, `$#`, `$@` …; see `usesArguments`).
    var functionsUsingArguments: Set<String> = []
    var callDepth = 0
    /// Buffers kept from header to header (its fields, its `--class` values) and the classes last kept.
    var headerFields: [String] = []
    var headerClasses: [String] = []
    var lastClasses: [String] = []
    var include: Include?
    var search: Search?
    /// Variables a `configfile` context inherits: GRUB exports `root` and `prefix`, `export` adds others.
    var exported: Set<String> = ["root", "prefix"]
    var includeDepth = 0
    /// The sourced file being walked; nil in grub.cfg itself.
    var currentFile: String?
    /// The identities of the sourced files being walked (a file sourcing itself, directly or not, is a loop).
    var activeSources: Set<String> = []
    /// Bytes of variable values set so far; past `maximumExpansionBytes`, assignments are no longer expanded.
    var expandedBytes = 0
    /// The longest variable value kept (`set a="$a$a"` repeated stops growing here).
    static let maximumValueBytes = 64 << 10
    /// The most bytes all assignments may expand to together.
    static let maximumExpansionBytes = 16 << 20
    /// Statements walked so far, and how many may be: `baseSteps` plus one per byte of script read
    /// (grub.cfg and each sourced file once). A walk of every statement once costs less than a step per
    /// byte, so a legal grub.cfg of any size is walked whole; what repeats (a function called from every
    /// entry, a file sourced again and again) spends the rest, and past it the walk stops, reported once.
    var steps = 0
    var stepLimit = GrubMenuBuilder.baseSteps
    static let baseSteps = 200_000
    /// Bytes all expansions together (assignments, entry lines, headers, conditions) may produce:
    /// `baseExpansionBytes` plus `expansionBytesPerInputByte` per byte of script read. Past it, words
    /// are no longer expanded (reported once), so `linux $a$a$a…` with a long `$a` cannot cost hours.
    var expansionLeft = GrubMenuBuilder.baseExpansionBytes
    static let baseExpansionBytes = 16 << 20
    static let expansionBytesPerInputByte = 4
    var reportedLimit = false
    static let maximumIncludeDepth = 8

    /// The menu of `nodes`, starting from `environment` (grubenv's and GRUB's own variables).
    /// `identity` is grub.cfg's own (sourcing it from itself is a loop).
    /// `inputBytes` is grub.cfg's size: the step and expansion limits grow with it.
    static func build(_ nodes: [GrubNode], environment: [String: String], include: Include? = nil,
                      search: Search? = nil, identity: String? = nil, inputBytes: Int = 0) -> GrubMenu {
        var builder = GrubMenuBuilder()
        builder.include = include
        builder.search = search
        builder.allow(inputBytes: inputBytes)
        if let identity { builder.activeSources.insert(identity) }
        builder.menu.variables = builtinVariables.merging(environment) { _, env in env }
        builder.menu.items = builder.walk(nodes, applying: true)
        return builder.menu
    }

    /// Evaluates top-level statements; `applying` is false inside branches that are not taken. Each statement
    /// is let go once walked (when `nodes` is not shared), so a large grub.cfg's tree is not held next to its menu.
    mutating func walk(_ nodes: consuming [GrubNode], applying: Bool) -> [GrubMenu.Item] {
        var items: [GrubMenu.Item] = []
        var nodes = nodes
        // Items are held inline: sized for the list's entries and submenus up front, not grown by doubling (which
        // would hold the old and the new array at once).
        items.reserveCapacity(nodes.count { if case .menuEntry = $0 { true } else if case .submenu = $0 { true } else { false } })
        for i in nodes.indices {
            guard menu.handOver == nil, takeStep() else { break }
            var node = GrubNode.loop(body: [])
            swap(&node, &nodes[i])  // moved out of the list, not copied
            switch consume node {
            case .command(let words):
                guard let name = words.first?.bareText else { continue }
                if name == "blscfg" { items.append(.blscfg); continue }
                if name == "source" {
                    if applying { items += source(words) }
                    continue
                }
                if name == "configfile" {
                    if applying { configfile(words) }
                    continue
                }
                if name == "export" {
                    if applying { exported.formUnion(Array(words.dropFirst()).expand(menu.variables)) }
                    continue
                }
                if GrubSearch.commands.contains(name) {
                    if applying, let (name, device) = runSearch(words, in: menu.variables) { menu.variables[name] = device }
                    continue
                }
                for (key, value) in GrubMenuBuilder.assignments(words) {
                    if key == "default" {
                        if applying { menu.defaultAssignments.append(value) }
                        continue
                    }
                    if applying && !GrubMenuBuilder.protectedVariables.contains(key) {
                        assign(key, value)
                    }
                }
            case .menuEntry(let arguments, let body):
                items.append(.entry(entry(arguments: arguments, body: body)))
            case .submenu(let arguments, let body):
                let header = header(arguments)
                items.append(.submenu(title: header.title, id: header.id, items: walkSubmenu(body)))
            case .conditional(let branches):
                let taken = takenBranch(branches, menu.variables)
                for (n, branch) in branches.enumerated() {
                    items += walk(branch.body, applying: applying && n == taken)
                }
            case .loop(let body):
                items += walk(body, applying: applying)
            case .function(let name, let body):
                functions[name] = body
                if GrubMenuBuilder.usesArguments(body) { functionsUsingArguments.insert(name) } else { functionsUsingArguments.remove(name) }
            }
        }
        return items
    }

    /// `source FILE`: FILE's statements run here, in this menu and with these variables.
    mutating func source(_ words: [GrubWord]) -> [GrubMenu.Item] {
        let arguments = Array(words.dropFirst())
        guard let include, includeDepth < GrubMenuBuilder.maximumIncludeDepth,
              affordable(arguments, menu.variables),
              let path = arguments.expand(menu.variables).first,
              let script = include(path) else { return [] }
        menu.problems += script.problems
        allow(inputBytes: script.bytes)
        if let identity = script.identity {
            guard activeSources.insert(identity).inserted else {
                menu.problems.append("\(script.path): sourced while it is being read (a source loop); skipped")
                return []
            }
        }
        let outerFile = currentFile
        includeDepth += 1
        currentFile = script.path
        defer {
            includeDepth -= 1
            currentFile = outerFile
            if let identity = script.identity { activeSources.remove(identity) }
        }
        return walk(script.nodes, applying: true)
    }

    /// `configfile FILE`: when FILE exists, GRUB shows its menu in a new context; the walk stops here.
    mutating func configfile(_ words: [GrubWord]) {
        guard let include, let written = Array(words.dropFirst()).expand(menu.variables).first else { return }
        guard let script = include(written) else {
            menu.problems.append("\(currentFile ?? "grub.cfg"): configfile \(written): no such file; GRUB goes on with this menu")
            return
        }
        let inherited = menu.variables.filter { exported.contains($0.key) }
        menu.handOver = GrubMenu.HandOver(written: written, path: script.path, variables: inherited)
    }

    /// `search … --set=VAR`: VAR names the mounted file system found; when none is found VAR keeps its value
    /// (as in GRUB, whose search then fails) and the search is noted.
    /// Returns the variable to set and the device name, nil when nothing is set.
    mutating func runSearch(_ words: [GrubWord], in variables: [String: String]) -> (String, String)? {
        guard let query = GrubSearch.parse(words.expand(variables)) else { return nil }
        if let search, let mountPoint = search(query) {
            return query.variable.map { ($0, GrubDeviceFinder.deviceName(mountPoint)) }
        }
        if !menu.unresolvedSearches.contains(query.description) { menu.unresolvedSearches.append(query.description) }
        return nil
    }

    /// `key=value` with `value` expanded, within the caps on one value and on all expansion together.
    mutating func assign(_ key: String, _ value: GrubWord) {
        guard expandedBytes <= GrubMenuBuilder.maximumExpansionBytes, affordable([value], menu.variables) else { return }
        let text = value.expandedText(menu.variables)
        expandedBytes += text.utf8.count
        if expandedBytes > GrubMenuBuilder.maximumExpansionBytes {
            menu.problems.append("\(currentFile ?? "grub.cfg"): variables expand to more than \(GrubMenuBuilder.maximumExpansionBytes >> 20) MiB in all; later assignments ignored")
            return
        }
        guard text.utf8.count <= GrubMenuBuilder.maximumValueBytes else {
            menu.problems.append("\(currentFile ?? "grub.cfg"): $\(key) would be longer than \(GrubMenuBuilder.maximumValueBytes >> 10) KiB; not set")
            return
        }
        menu.variables[key] = text
    }

    /// Inside a submenu: entries and nested submenus count, assignments stay local and are ignored.
    mutating func walkSubmenu(_ nodes: consuming [GrubNode]) -> [GrubMenu.Item] {
        let saved = menu.variables
        let savedDefaults = menu.defaultAssignments
        let items = walk(nodes, applying: true)
        menu.variables = saved
        menu.defaultAssignments = savedDefaults
        return items
    }
}
