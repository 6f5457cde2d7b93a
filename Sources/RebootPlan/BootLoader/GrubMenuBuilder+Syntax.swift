import KexecCore
import LinuxSystem
/// The pure syntax helpers of the menu builder: what a command assigns, menu entry headers, `if` branches.
extension GrubMenuBuilder {
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
            guard case .literal(let head, quoted: false)? = word.firstPart, let eq = head.firstIndex(of: "=") else { continue }
            let name = String(head[..<eq])
            guard !name.isEmpty, isVariableName(name) else { continue }
            var valueParts = Array(word.parts.dropFirst())
            let rest = String(head[head.index(after: eq)...])
            if !rest.isEmpty { valueParts.insert(.literal(rest, quoted: false), at: 0) }
            result.append((name, GrubWord(parts: valueParts)))
        }
        return result
    }

    /// Letters, digits and `_` (ASCII answered byte by byte; other characters by their Unicode properties).
    static func isVariableName(_ name: String) -> Bool {
        if name.utf8.allSatisfy({ $0 == UInt8(ascii: "_") || ($0 >= 48 && $0 <= 57) || ($0 | 0x20 >= 97 && $0 | 0x20 <= 122) }) {
            return true
        }
        return name.allSatisfy { $0 == "_" || $0.isLetter || $0.isNumber }
    }

    /// The title, `--id` and other options of a `menuentry`/`submenu` header. `fields` and `classes` are buffers
    /// the caller keeps from header to header: their contents are replaced, `classes` by the `--class` values.
    static func header(_ arguments: [GrubWord], _ variables: [String: String], fields: inout [String],
                       classes: inout [String]) -> (title: String, id: String?) {
        fields.removeAll(keepingCapacity: true)
        classes.removeAll(keepingCapacity: true)
        for word in arguments { word.expand(variables, into: &fields) }
        var title: String? = nil
        var id: String? = nil
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
        return (title ?? "", id.flatMap { $0.isEmpty ? nil : $0 })
    }

    /// Whether a function body refers to the function's arguments (`$1` … `$9`, `$#`, `$@`, `$*`) in a
    /// command or condition it runs (definitions and entries inside it are not run by a call).
    static func usesArguments(_ body: [GrubNode]) -> Bool {
        func isArgument(_ name: String) -> Bool {
            name == "#" || name == "@" || name == "*" || (!name.isEmpty && name.utf8.allSatisfy { $0 >= 48 && $0 <= 57 })
        }
        func uses(_ words: [GrubWord]) -> Bool { words.contains { $0.references(where: isArgument) } }
        return body.contains { node in
            switch node {
            case .command(let words): return uses(words)
            case .conditional(let branches): return branches.contains { uses($0.condition ?? []) || usesArguments($0.body) }
            case .loop(let body): return usesArguments(body)
            case .menuEntry, .submenu, .function: return false
            }
        }
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
