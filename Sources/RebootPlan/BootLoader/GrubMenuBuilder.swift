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
    typealias Include = (String) -> (path: String, identity: String?, nodes: [GrubNode], problems: [String])?
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

    private var menu = GrubMenu()
    /// Functions defined so far (`function gfxmode { … }`), run when an entry calls them.
    private var functions: [String: [GrubNode]] = [:]
    private var callDepth = 0
    private var include: Include?
    private var search: Search?
    /// Variables a `configfile` context inherits: GRUB exports `root` and `prefix`, `export` adds others.
    private var exported: Set<String> = ["root", "prefix"]
    private var includeDepth = 0
    /// The sourced file being walked; nil in grub.cfg itself.
    private var currentFile: String?
    /// The identities of the sourced files being walked (a file sourcing itself, directly or not, is a loop).
    private var activeSources: Set<String> = []
    /// Bytes of variable values set so far; past `maximumExpansionBytes`, assignments are no longer expanded.
    private var expandedBytes = 0
    /// The longest variable value kept (`set a="$a$a"` repeated stops growing here).
    static let maximumValueBytes = 64 << 10
    /// The most bytes all assignments may expand to together.
    static let maximumExpansionBytes = 16 << 20
    private var steps = 0
    private static let maximumSteps = 200_000
    private static let maximumIncludeDepth = 8

    /// The menu of `nodes`, starting from `environment` (grubenv's and GRUB's own variables).
    /// `identity` is grub.cfg's own (sourcing it from itself is a loop).
    static func build(_ nodes: [GrubNode], environment: [String: String], include: Include? = nil,
                      search: Search? = nil, identity: String? = nil) -> GrubMenu {
        var builder = GrubMenuBuilder()
        builder.include = include
        builder.search = search
        if let identity { builder.activeSources.insert(identity) }
        builder.menu.variables = builtinVariables.merging(environment) { _, env in env }
        builder.menu.items = builder.walk(nodes, applying: true)
        return builder.menu
    }

    /// Evaluates top-level statements; `applying` is false inside branches that are not taken.
    private mutating func walk(_ nodes: [GrubNode], applying: Bool) -> [GrubMenu.Item] {
        var items: [GrubMenu.Item] = []
        for node in nodes {
            steps += 1
            if steps > GrubMenuBuilder.maximumSteps || menu.handOver != nil { break }
            switch node {
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
                let header = GrubMenuBuilder.header(arguments, menu.variables)
                items.append(.submenu(title: header.title, id: header.id, items: walkSubmenu(body)))
            case .conditional(let branches):
                let taken = GrubMenuBuilder.takenBranch(branches, menu.variables)
                for (n, branch) in branches.enumerated() {
                    items += walk(branch.body, applying: applying && n == taken)
                }
            case .loop(let body):
                items += walk(body, applying: applying)
            case .function(let name, let body):
                functions[name] = body
            }
        }
        return items
    }

    /// `source FILE`: FILE's statements run here, in this menu and with these variables.
    private mutating func source(_ words: [GrubWord]) -> [GrubMenu.Item] {
        guard let include, includeDepth < GrubMenuBuilder.maximumIncludeDepth,
              let path = Array(words.dropFirst()).expand(menu.variables).first,
              let script = include(path) else { return [] }
        menu.problems += script.problems
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
        guard expandedBytes <= GrubMenuBuilder.maximumExpansionBytes else { return }
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
    private mutating func walkSubmenu(_ nodes: [GrubNode]) -> [GrubMenu.Item] {
        let saved = menu.variables
        let savedDefaults = menu.defaultAssignments
        let items = walk(nodes, applying: true)
        menu.variables = saved
        menu.defaultAssignments = savedDefaults
        return items
    }

    /// A menu entry: its header options and the last linux/initrd commands of its body.
    private mutating func entry(arguments: [GrubWord], body: [GrubNode]) -> GrubMenuEntry {
        let header = GrubMenuBuilder.header(arguments, menu.variables)
        var entry = GrubMenuEntry(title: header.title, id: header.id, classes: header.classes, file: currentFile)
        var local = menu.variables
        scanEntryBody(body, into: &entry, variables: &local)
        return entry
    }

    private mutating func scanEntryBody(_ nodes: [GrubNode], into entry: inout GrubMenuEntry, variables: inout [String: String]) {
        for node in nodes {
            steps += 1
            if steps > GrubMenuBuilder.maximumSteps { return }
            switch node {
            case .command(let words):
                guard let name = words.first?.bareText else { continue }
                switch name {
                case "linux", "linuxefi", "linux16":
                    let fields = Array(words.dropFirst()).expand(variables)
                    if !fields.isEmpty { entry.linux = fields; entry.linuxCommand = name; entry.rootDevice = variables["root"] }
                case "initrd", "initrdefi", "initrd16":
                    entry.initrds = Array(words.dropFirst()).expand(variables).filter { !$0.hasPrefix("--") }
                case _ where GrubSearch.commands.contains(name):
                    if let (name, device) = runSearch(words, in: variables) { variables[name] = device }
                default:
                    if let function = functions[name], callDepth < 8 {
                        call(function, arguments: Array(words.dropFirst()).expand(variables), into: &entry, variables: &variables)
                        continue
                    }
                    for (key, value) in GrubMenuBuilder.assignments(words) { variables[key] = value.expandedText(variables) }
                }
            case .conditional(let branches):
                let taken = GrubMenuBuilder.takenBranch(branches, variables)
                if let taken { scanEntryBody(branches[taken].body, into: &entry, variables: &variables) }
            case .loop(let body):
                scanEntryBody(body, into: &entry, variables: &variables)
            case .menuEntry, .submenu, .function:
                continue
            }
        }
    }

    /// Runs a function called from an entry body (Ubuntu's `gfxmode $linux_gfx_mode` sets `vt_handoff`):
    /// `$1`, `$2` … are its arguments; other variables it sets stay set, as in GRUB.
    private mutating func call(_ body: [GrubNode], arguments: [String], into entry: inout GrubMenuEntry, variables: inout [String: String]) {
        let positional = (1...max(1, arguments.count)).map(String.init) + ["#"]
        let saved = positional.map { variables[$0] }
        for (n, argument) in arguments.enumerated() { variables[String(n + 1)] = argument }
        variables["#"] = String(arguments.count)
        callDepth += 1
        scanEntryBody(body, into: &entry, variables: &variables)
        callDepth -= 1
        for (key, value) in zip(positional, saved) { variables[key] = value }
    }

    /// `set a=b c=d` or `a=b`: the assignments a command makes (values unexpanded).
    static func assignments(_ words: [GrubWord]) -> [(String, GrubWord)] {
        guard let first = words.first else { return [] }
        let candidates: ArraySlice<GrubWord>
        if first.bareText == "set" {
            candidates = words.dropFirst()
        } else if words.count == 1 {
            candidates = words[...]
        } else {
            return []
        }
        var result: [(String, GrubWord)] = []
        for word in candidates {
            guard case .literal(let head, quoted: false)? = word.parts.first, let eq = head.firstIndex(of: "=") else { continue }
            let name = String(head[..<eq])
            guard !name.isEmpty, name.allSatisfy({ $0 == "_" || $0.isLetter || $0.isNumber }) else { continue }
            var valueParts = Array(word.parts.dropFirst())
            let rest = String(head[head.index(after: eq)...])
            if !rest.isEmpty { valueParts.insert(.literal(rest, quoted: false), at: 0) }
            result.append((name, GrubWord(parts: valueParts)))
        }
        return result
    }

    /// The title, `--id` and other options of a `menuentry`/`submenu` header.
    static func header(_ arguments: [GrubWord], _ variables: [String: String]) -> (title: String, id: String?, classes: [String]) {
        let fields = arguments.expand(variables)
        var title: String? = nil
        var id: String? = nil
        var classes: [String] = []
        var k = 0
        while k < fields.count {
            let field = fields[k]
            if field == "--id" || field == "--class" || field == "--users" || field == "--hotkey" {
                let value = k + 1 < fields.count ? fields[k + 1] : ""
                if field == "--id" { id = value } else if field == "--class" { classes.append(value) }
                k += 2
                continue
            }
            if field.hasPrefix("--id=") { id = String(field.dropFirst(5)); k += 1; continue }
            if field.hasPrefix("--") { k += 1; continue }
            if title == nil { title = field }
            k += 1
        }
        return (title ?? "", id.flatMap { $0.isEmpty ? nil : $0 }, classes)
    }

    /// The index of the branch GRUB would take; conditions that cannot be evaluated count as true.
    static func takenBranch(_ branches: [GrubBranch], _ variables: [String: String]) -> Int? {
        for (n, branch) in branches.enumerated() {
            guard let condition = branch.condition else { return n }
            if GrubTestExpression.evaluate(condition, variables) ?? true { return n }
        }
        return nil
    }
}
