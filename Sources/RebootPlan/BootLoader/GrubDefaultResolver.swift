import KexecCore
import LinuxSystem
/// Decides which GRUB menu entry boots by default, the way grub.cfg's generated header does:
/// grubenv's `next_entry` (grub-reboot) wins when set; else a `set default="${saved_entry}"` uses grubenv's
/// `saved_entry`; else the literal `set default=…`; else entry 0. The value may be an index, a title, an
/// `--id`, or a `>`-separated path through submenus mixing all three. A value naming no entry falls
/// back as GRUB does: to entry 0 of the level where matching failed.
enum GrubDefaultResolver {
    /// The chosen menu path (indexes per level), the sentence saying why, and problems.
    struct Choice: Sendable, Equatable {
        var path: [Int]?
        var rule: String
        var problems: [String]
    }

    /// Chooses the default of `menu`. `assignments` are grub.cfg's `set default=` words in file order.
    static func choose(menu: [GrubMenuNode], assignments: [GrubWord], variables: [String: String],
                       grubenv: GrubEnvironment?, configFile: String) -> Choice {
        let (spec, rule) = specification(assignments: assignments, variables: variables, grubenv: grubenv, configFile: configFile)
        guard !menu.isEmpty else {
            return Choice(path: nil, rule: rule + "; the menu has no entries", problems: ["\(configFile): no menu entries"])
        }
        let (path, failure) = resolve(spec, in: menu)
        guard let failure else { return Choice(path: path, rule: rule, problems: []) }
        let fallback = "names no menu entry (\(failure)); GRUB falls back to entry \(path.map(String.init).joined(separator: ">"))"
        return Choice(path: path, rule: rule + " " + fallback,
                      problems: ["\(configFile): default \"\(spec)\" \(fallback)"])
    }

    /// The default value GRUB ends up with, and the rule that produced it.
    static func specification(assignments: [GrubWord], variables: [String: String],
                              grubenv: GrubEnvironment?, configFile: String) -> (String, String) {
        if let env = grubenv, let next = env.nextEntry {
            return (next, "GRUB next_entry \"\(next)\" from \(env.file) (one-time default set by grub-reboot)")
        }
        if assignments.contains(where: { $0.references("saved_entry") }) {
            if let env = grubenv, let saved = env.variables["saved_entry"], !saved.isEmpty {
                return (saved, "GRUB saved_entry \"\(saved)\" from \(env.file)")
            }
            let where_ = grubenv.map { "is not set in \($0.file)" } ?? "has no grubenv to come from"
            return ("0", "GRUB set default=\"${saved_entry}\" in \(configFile), but saved_entry \(where_), so entry 0")
        }
        let literals = assignments.filter { !$0.references("next_entry") && !$0.references("saved_entry") }
        if let last = literals.last {
            let value = last.boundedExpand(variables).joined(separator: " ")
            return (value, "GRUB set default=\"\(value)\" in \(configFile)")
        }
        return ("0", "GRUB default entry 0 (\(configFile) sets no default)")
    }

    /// Follows `spec` ("2", "Title", "id>id", "1>Title") through `menu`. Returns the path (always one
    /// ending at an entry) and, when some part matched nothing, what failed.
    static func resolve(_ spec: String, in menu: [GrubMenuNode]) -> ([Int], String?) {
        var path: [Int] = []
        var level = menu
        var failure: String? = nil
        let trimmed = spec.trimmingWhitespace()
        var components = trimmed.isEmpty ? ["0"] : splitPath(trimmed)
        while !level.isEmpty {
            let component = components.isEmpty ? "0" : components.removeFirst()
            var index = find(component, in: level)
            if index == nil {
                if failure == nil { failure = "\"\(component)\" matches nothing at menu level \(path.count + 1)" }
                index = 0
                components.removeAll()
            }
            path.append(index!)
            guard case .submenu(_, _, let children) = level[index!] else { break }
            level = children
        }
        return (path, failure)
    }

    /// Splits a default path at `>`; `>>` stands for a literal `>` in a title (GRUB's `menuentry_eq`).
    static func splitPath(_ spec: String) -> [String] {
        var components: [String] = []
        var current = ""
        var chars = Array(spec)[...]
        while let c = chars.popFirst() {
            if c == ">" {
                if chars.first == ">" { chars.removeFirst(); current.append(">"); continue }
                components.append(current); current = ""
            } else {
                current.append(c)
            }
        }
        components.append(current)
        return components
    }

    /// GRUB's `get_entry_index_by_name` plus numbers: an index, or the first entry whose title or id equals `name`.
    private static func find(_ name: String, in level: [GrubMenuNode]) -> Int? {
        if !name.isEmpty, name.allSatisfy({ $0.isASCII && $0.isNumber }) {
            guard let n = Int(name), n < level.count else { return nil }
            return n
        }
        return level.firstIndex { $0.title == name || $0.id == name }
    }
}
