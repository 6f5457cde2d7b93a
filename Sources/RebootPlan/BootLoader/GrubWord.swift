import KexecCore
import LinuxSystem
/// One word of a grub.cfg command before variable expansion: literal text and `$var` references,
/// each remembering whether it was quoted (quoted variables are not split into fields).
/// Most words are one part (`linux`, `/boot/vmlinuz-6.1`): that part is held inline, without an array,
/// so a large grub.cfg costs little more than its text.
struct GrubWord: Equatable, Sendable {
    /// A piece of a word.
    enum Part: Equatable, Sendable {
        case literal(String, quoted: Bool)
        case variable(String, quoted: Bool)
    }

    /// The first part (nil for a word without parts) and the others.
    private var first: Part?
    private var rest: [Part]

    init(parts: [Part]) {
        first = parts.first
        rest = parts.count > 1 ? Array(parts.dropFirst()) : []
    }

    /// A word of one part.
    init(_ part: Part) {
        first = part
        rest = []
    }

    /// A word of no parts yet.
    init() {
        first = nil
        rest = []
    }

    /// Adds a part at the end (no array is made for a word of one part).
    mutating func append(_ part: Part) {
        if first == nil { first = part } else { rest.append(part) }
    }

    /// Every part, in order.
    var parts: [Part] {
        guard let first else { return [] }
        return rest.isEmpty ? [first] : [first] + rest
    }

    /// The first part (how `name=value` assignments are recognised).
    var firstPart: Part? { first }

    /// The text when the word is one unquoted literal (how keywords like `menuentry` or `fi` are recognised).
    var bareText: String? {
        if rest.isEmpty, case .literal(let text, quoted: false)? = first { return text }
        return nil
    }

    /// Calls `body` with each part in order.
    private func forEachPart(_ body: (Part) -> Void) {
        guard let first else { return }
        body(first)
        for part in rest { body(part) }
    }

    /// Whether the word refers to the variable `name` anywhere.
    func references(_ name: String) -> Bool {
        var found = false
        forEachPart { if case .variable(name, _) = $0 { found = true } }
        return found
    }

    /// Whether the word refers to a variable whose name satisfies `isIt` anywhere.
    func references(where isIt: (String) -> Bool) -> Bool {
        var found = false
        forEachPart { if case .variable(let name, _) = $0, isIt(name) { found = true } }
        return found
    }

    /// The most bytes the word can expand to with `variables` (its literals plus every value it refers to),
    /// found without expanding it.
    func expansionBound(_ variables: [String: String]) -> Int {
        var bound = 0
        forEachPart {
            switch $0 {
            case .literal(let text, _): bound += text.utf8.count + 1
            case .variable(let name, _): bound += (variables[name]?.utf8.count ?? 0) + 1
            }
        }
        return bound
    }

    /// The word as written, with variables shown as `${name}` (for messages).
    var sourceText: String {
        var text = ""
        forEachPart {
            switch $0 {
            case .literal(let literal, _): text += literal
            case .variable(let name, _): text += "${\(name)}"
            }
        }
        return text
    }

    /// The fields the word expands to with `variables`: unquoted variables split on blanks and vanish
    /// when empty, quoted parts always make a field (as GRUB's shell does).
    func expand(_ variables: [String: String]) -> [String] {
        var fields: [String] = []
        expand(variables, into: &fields)
        return fields
    }

    /// Appends the fields the word expands to onto `fields` (`expand`, without an array of its own).
    func expand(_ variables: [String: String], into fields: inout [String]) {
        if rest.isEmpty, case .literal(let text, _)? = first {
            fields.append(text)
            return
        }
        var current: String? = nil
        forEachPart { part in
            switch part {
            case .literal(let text, _):
                current = (current ?? "") + text
            case .variable(let name, quoted: true):
                current = (current ?? "") + (variables[name] ?? "")
            case .variable(let name, quoted: false):
                let value = variables[name] ?? ""
                if !value.utf8.contains(where: { $0 == 0x20 || $0 == 0x09 || $0 == 0x0A }) {
                    // No blank to split on (`$menuentry_id_option`): the value joins the field, or is none when empty.
                    if !value.isEmpty { current = current.map { $0 + value } ?? value }
                    return
                }
                let pieces = value.split(whereSeparator: { $0 == " " || $0 == "\t" || $0 == "\n" }).map(String.init)
                guard !pieces.isEmpty else { return }
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
    }

    /// The word expanded into one string (fields joined by a space).
    func expandedText(_ variables: [String: String]) -> String {
        expand(variables).joined(separator: " ")
    }

    /// The most one word expanded outside the menu builder (a BLS entry's options, grub.cfg's default) may
    /// produce: a word that could expand to more is kept as written.
    static let maximumLoneExpansionBytes = 1 << 20

    /// `expand`, or the word as written when it could expand to more than `maximumLoneExpansionBytes`.
    func boundedExpand(_ variables: [String: String]) -> [String] {
        expansionBound(variables) <= Self.maximumLoneExpansionBytes ? expand(variables) : [sourceText]
    }
}

/// Expands a list of words (an array, or a slice of one: the arguments after a command's name) into fields.
extension Collection where Element == GrubWord {
    func expand(_ variables: [String: String]) -> [String] {
        var fields: [String] = []
        fields.reserveCapacity(count)
        for word in self { word.expand(variables, into: &fields) }
        return fields
    }

    /// The most bytes the words can expand to (see `GrubWord.expansionBound`).
    func expansionBound(_ variables: [String: String]) -> Int { reduce(0) { $0 + $1.expansionBound(variables) } }
}
