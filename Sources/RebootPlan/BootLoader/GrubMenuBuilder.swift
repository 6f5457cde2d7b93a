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
    private static let protectedVariables: Set<String> = ["default", "saved_entry", "next_entry", "prev_saved_entry"]

    var menu = GrubMenu()
    /// Functions defined so far (`function gfxmode { … }`), run when an entry calls them.
    private var functions: [String: [GrubNode]] = [:]
    /// The functions whose bodies refer to their arguments (`$1`, `$#`, `$@` …; see `usesArguments`).
    private var functionsUsingArguments: Set<String> = []
    private var callDepth = 0
    /// Buffers kept from header to header (its fields, its `--class` values) and the classes last kept.
    private var headerFields: [String] = []
    private var headerClasses: [String] = []
    private var lastClasses: [String] = []
    private var include: Include?
    private var search: Search?
    /// Variables a `configfile` context inherits: GRUB exports `root` and `prefix`, `export` adds others.
    private var exported: Set<String> = ["root", "prefix"]
    private var includeDepth = 0
    /// The sourced file being walked; nil in grub.cfg itself.
    var currentFile: String?
    /// The identities of the sourced files being walked (a file sourcing itself, directly or not, is a loop).
    private var activeSources: Set<String> = []
    /// Bytes of variable values set so far; past `maximumExpansionBytes`, assignments are no longer expanded.
    private var expandedBytes = 0
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
    private static let maximumIncludeDepth = 8

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
    private mutating func walk(_ nodes: consuming [GrubNode], applying: Bool) -> [GrubMenu.Item] {
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
    private mutating func source(_ words: [GrubWord]) -> [GrubMenu.Item] {
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
    private mutating func configfile(_ words: [GrubWord]) {
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
    private mutating func runSearch(_ words: [GrubWord], in variables: [String: String]) -> (String, String)? {
        guard let query = GrubSearch.parse(words.expand(variables)) else { return nil }
        if let search, let mountPoint = search(query) {
            return query.variable.map { ($0, GrubDeviceFinder.deviceName(mountPoint)) }
        }
        if !menu.unresolvedSearches.contains(query.description) { menu.unresolvedSearches.append(query.description) }
        return nil
    }

    /// `key=value` with `value` expanded, within the caps on one value and on all expansion together.
    private mutating func assign(_ key: String, _ value: GrubWord) {
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
    private mutating func walkSubmenu(_ nodes: consuming [GrubNode]) -> [GrubMenu.Item] {
        let saved = menu.variables
        let savedDefaults = menu.defaultAssignments
        let items = walk(nodes, applying: true)
        menu.variables = saved
        menu.defaultAssignments = savedDefaults
        return items
    }

    /// The title, id and `--class` values of a menu entry's or submenu's header (empty when its words could
    /// expand past the budget); the classes are the array of the header before when they are the same.
    private mutating func header(_ arguments: [GrubWord]) -> (title: String, id: String?, classes: [String]) {
        guard affordable(arguments, menu.variables) else { return ("", nil, []) }
        let (title, id) = GrubMenuBuilder.header(arguments, menu.variables, fields: &headerFields, classes: &headerClasses)
        if headerClasses != lastClasses {
            var kept: [String] = []  // at its exact size, not sharing the buffer
            kept.reserveCapacity(headerClasses.count)
            kept.append(contentsOf: headerClasses)
            lastClasses = kept
        }
        return (title, id, lastClasses)
    }

    /// A menu entry: its header options and the last linux/initrd commands of its body.
    private mutating func entry(arguments: [GrubWord], body: [GrubNode]) -> GrubMenuEntry {
        let header = header(arguments)
        var entry = GrubMenuEntry(title: header.title, id: header.id, classes: header.classes, file: currentFile)
        var local = menu.variables
        scanEntryBody(body, into: &entry, variables: &local)
        return entry
    }

    private mutating func scanEntryBody(_ nodes: [GrubNode], into entry: inout GrubMenuEntry, variables: inout [String: String]) {
        for node in nodes {
            guard takeStep() else { return }
            switch node {
            case .command(let words):
                guard let name = words.first?.bareText else { continue }
                let arguments = words.dropFirst()
                switch name {
                case "linux", "linuxefi", "linux16":
                    guard affordable(arguments, variables) else { continue }
                    let fields = arguments.expand(variables)
                    if !fields.isEmpty { entry.linux = fields; entry.linuxCommand = name; entry.rootDevice = variables["root"] }
                case "initrd", "initrdefi", "initrd16":
                    guard affordable(arguments, variables) else { continue }
                    var images = arguments.expand(variables)
                    images.removeAll { $0.hasPrefix("--") }
                    entry.initrds = images
                case _ where GrubSearch.commands.contains(name):
                    guard affordable(arguments, variables) else { continue }
                    if let (name, device) = runSearch(words, in: variables) { variables[name] = device }
                default:
                    if let function = functions[name], callDepth < 8 {
                        guard affordable(arguments, variables) else { continue }
                        call(function, arguments: arguments.expand(variables), setsArguments: functionsUsingArguments.contains(name),
                             into: &entry, variables: &variables)
                        continue
                    }
                    for (key, value) in GrubMenuBuilder.assignments(words) where affordable([value], variables) {
                        let text = value.expandedText(variables)
                        if text.utf8.count <= GrubMenuBuilder.maximumValueBytes { variables[key] = text }
                    }
                }
            case .conditional(let branches):
                let taken = takenBranch(branches, variables)
                if let taken { scanEntryBody(branches[taken].body, into: &entry, variables: &variables) }
            case .loop(let body):
                scanEntryBody(body, into: &entry, variables: &variables)
            case .menuEntry, .submenu, .function:
                continue
            }
        }
    }

    /// Runs a function called from an entry body (Ubuntu's `gfxmode $linux_gfx_mode` sets `vt_handoff`):
    /// `$1`, `$2` … are its arguments; other variables it sets stay set, as in GRUB. A body that refers to no
    /// argument (`setsArguments` false: 10_linux's `load_video`, called from every entry) runs without them, so
    /// the entry's variables are not copied for values nothing reads.
    private mutating func call(_ body: [GrubNode], arguments: [String], setsArguments: Bool, into entry: inout GrubMenuEntry,
                               variables: inout [String: String]) {
        guard setsArguments else {
            callDepth += 1
            scanEntryBody(body, into: &entry, variables: &variables)
            callDepth -= 1
            return
        }
        let positional = (1...max(1, arguments.count)).map(String.init) + ["#"]
        let saved = positional.map { variables[$0] }
        for (n, argument) in arguments.enumerated() { variables[String(n + 1)] = argument }
        variables["#"] = String(arguments.count)
        callDepth += 1
        scanEntryBody(body, into: &entry, variables: &variables)
        callDepth -= 1
        for (key, value) in zip(positional, saved) { variables[key] = value }
    }

    /// `takenBranch`, with each condition's expansion paid for; an unaffordable condition counts as true.
    private mutating func takenBranch(_ branches: [GrubBranch], _ variables: [String: String]) -> Int? {
        for (n, branch) in branches.enumerated() {
            guard let condition = branch.condition else { return n }
            guard affordable(condition, variables) else { return n }
            if GrubTestExpression.evaluate(condition, variables) ?? true { return n }
        }
        return nil
    }
}
