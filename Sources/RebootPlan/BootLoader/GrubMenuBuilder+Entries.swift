import KexecCore
import LinuxSystem

/// The menu entries' side of `GrubMenuBuilder`: an entry's header (title, id, classes), its body scanned for
/// `linux`/`initrd` and the variables it sets, the functions it calls, and which `if` branch is taken.
extension GrubMenuBuilder {
    /// The title, id and `--class` values of a menu entry's or submenu's header (empty when its words could
    /// expand past the budget); the classes are the array of the header before when they are the same.
    mutating func header(_ arguments: [GrubWord]) -> (title: String, id: String?, classes: [String]) {
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
    mutating func entry(arguments: [GrubWord], body: [GrubNode]) -> GrubMenuEntry {
        let header = header(arguments)
        var entry = GrubMenuEntry(title: header.title, id: header.id, classes: header.classes, file: currentFile)
        var local = menu.variables
        scanEntryBody(body, into: &entry, variables: &local)
        return entry
    }

    mutating func scanEntryBody(_ nodes: [GrubNode], into entry: inout GrubMenuEntry, variables: inout [String: String]) {
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
    mutating func call(_ body: [GrubNode], arguments: [String], setsArguments: Bool, into entry: inout GrubMenuEntry,
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
    mutating func takenBranch(_ branches: [GrubBranch], _ variables: [String: String]) -> Int? {
        for (n, branch) in branches.enumerated() {
            guard let condition = branch.condition else { return n }
            guard affordable(condition, variables) else { return n }
            if GrubTestExpression.evaluate(condition, variables) ?? true { return n }
        }
        return nil
    }
}
