import KexecCore
import LinuxSystem
/// One word of a grub.cfg command before variable expansion: literal text and `$var` references,
/// each remembering whether it was quoted (quoted variables are not split into fields).
struct GrubWord: Equatable, Sendable {
    /// A piece of a word.
    enum Part: Equatable, Sendable {
        case literal(String, quoted: Bool)
        case variable(String, quoted: Bool)
    }

    var parts: [Part]

    /// The text when the word is one unquoted literal (how keywords like `menuentry` or `fi` are recognised).
    var bareText: String? {
        if parts.count == 1, case .literal(let text, quoted: false) = parts[0] { return text }
        return nil
    }

    /// Whether the word refers to the variable `name` anywhere.
    func references(_ name: String) -> Bool {
        parts.contains { if case .variable(name, _) = $0 { return true } else { return false } }
    }

    /// The word as written, with variables shown as `${name}` (for messages).
    var sourceText: String {
        parts.map {
            switch $0 {
            case .literal(let text, _): return text
            case .variable(let name, _): return "${\(name)}"
            }
        }.joined()
    }

    /// The fields the word expands to with `variables`: unquoted variables split on blanks and vanish
    /// when empty, quoted parts always make a field (as GRUB's shell does).
    func expand(_ variables: [String: String]) -> [String] {
        var fields: [String] = []
        var current: String? = nil
        for part in parts {
            switch part {
            case .literal(let text, _):
                current = (current ?? "") + text
            case .variable(let name, quoted: true):
                current = (current ?? "") + (variables[name] ?? "")
            case .variable(let name, quoted: false):
                let value = variables[name] ?? ""
                let pieces = value.split(whereSeparator: { $0 == " " || $0 == "\t" || $0 == "\n" }).map(String.init)
                guard !pieces.isEmpty else { continue }
                let startsBlank = value.first.map { $0 == " " || $0 == "\t" || $0 == "\n" } ?? false
                if startsBlank, let field = current { fields.append(field); current = nil }
                for (n, piece) in pieces.enumerated() {
                    if n == 0 { current = (current ?? "") + piece } else { fields.append(current!); current = piece }
                }
                let endsBlank = value.last.map { $0 == " " || $0 == "\t" || $0 == "\n" } ?? false
                if endsBlank, let field = current { fields.append(field); current = nil }
            }
        }
        if let field = current { fields.append(field) }
        return fields
    }

    /// The word expanded into one string (fields joined by a space).
    func expandedText(_ variables: [String: String]) -> String {
        expand(variables).joined(separator: " ")
    }
}

/// Expands a list of words into fields.
extension Array where Element == GrubWord {
    func expand(_ variables: [String: String]) -> [String] { flatMap { $0.expand(variables) } }
}
