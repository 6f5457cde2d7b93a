import KexecCore
import LinuxSystem
/// Reads the variable assignments of a shell-style configuration file (/etc/sysconfig/kdump,
/// /etc/default/kdump-tools) the way `sh` would, without running anything.
///
/// Understood: `NAME=value`, `export NAME=value`, several assignments on one line, `;` and newlines between
/// commands, comments (`#` at the start of a word), single quotes, double quotes (backslash escapes `$`, `` ` ``,
/// `"`, `\` and newline), backslash escapes outside quotes, line continuations (backslash-newline), empty values,
/// and `$NAME`, `${NAME}`, `${NAME:-word}` from earlier assignments (unset names expand to nothing).
/// Commands (`if`, `cmd args`, `A=1 cmd`) are skipped, with any assignments that only prefix them.
/// Command substitutions (`$(…)`, backquotes) are kept as written.
public struct ShellAssignments: Sendable, Equatable {
    /// The assignments in file order (a name assigned twice appears twice).
    public var ordered: [(name: String, value: String)]

    /// The final value of each name.
    public var values: [String: String] {
        var result: [String: String] = [:]
        for (name, value) in ordered { result[name] = value }
        return result
    }

    /// Equal when the same names get the same values in the same order.
    public static func == (lhs: ShellAssignments, rhs: ShellAssignments) -> Bool {
        lhs.ordered.elementsEqual(rhs.ordered) { $0.name == $1.name && $0.value == $1.value }
    }

    /// Parses `text`. Never fails: an unterminated quote runs to the end of the text, as far as it goes.
    public init(parsing text: String) {
        // CRLF line ends read as one Character; take them as plain newlines.
        var parser = Parser(text.map { $0 == "\r\n" ? "\n" : $0 })
        ordered = parser.run()
    }

    /// Whether `name` is a shell variable name: a letter or `_`, then letters, digits or `_`.
    public static func isName<S: StringProtocol>(_ name: S) -> Bool {
        guard let first = name.first, first == "_" || (first.isASCII && first.isLetter) else { return false }
        return name.allSatisfy { $0 == "_" || ($0.isASCII && ($0.isLetter || $0.isNumber)) }
    }

    /// One word being read: its text, and the variable name when it began `NAME=` outside any quotes.
    private struct Word {
        var text = ""
        var started = false
        /// Set once a quote, escape or expansion has been seen: an `=` after that is no assignment.
        var quoted = false
        var assignedName: String?
    }

    /// The character-level reader.
    private struct Parser {
        let chars: [Character]
        var index = 0
        var variables: [String: String] = [:]
        /// Assignments of the command being read, visible to the words after them (`A=1 B=$A`).
        var pending: [String: String] = [:]
        var result: [(name: String, value: String)] = []
        var words: [Word] = []
        var word = Word()

        init(_ chars: [Character]) { self.chars = chars }

        mutating func run() -> [(name: String, value: String)] {
            while index < chars.count {
                let c = chars[index]
                switch c {
                case " ", "\t", "\r":
                    finishWord(); index += 1
                case "\n", ";":
                    finishWord(); finishCommand(); index += 1
                case "#" where !word.started:
                    while index < chars.count && chars[index] != "\n" { index += 1 }
                case "\\":
                    readEscape()
                case "'":
                    readSingleQuoted()
                case "\"":
                    readDoubleQuoted()
                case "$":
                    word.started = true; word.quoted = true
                    word.text += readExpansion()
                default:
                    append(c); index += 1
                }
            }
            finishWord(); finishCommand()
            return result
        }

        /// A plain character outside quotes; an `=` may end a variable name.
        mutating func append(_ c: Character) {
            if c == "=" && !word.quoted && word.assignedName == nil && ShellAssignments.isName(word.text) {
                word.assignedName = word.text
                word.text = ""
            } else {
                word.text.append(c)
            }
            word.started = true
        }

        mutating func readEscape() {
            index += 1
            guard index < chars.count else { return }
            if chars[index] == "\n" { index += 1; return }  // line continuation
            word.started = true; word.quoted = true
            word.text.append(chars[index]); index += 1
        }

        mutating func readSingleQuoted() {
            word.started = true; word.quoted = true
            index += 1
            while index < chars.count && chars[index] != "'" {
                word.text.append(chars[index]); index += 1
            }
            index += 1
        }

        mutating func readDoubleQuoted() {
            word.started = true; word.quoted = true
            index += 1
            while index < chars.count && chars[index] != "\"" {
                let c = chars[index]
                if c == "\\", index + 1 < chars.count {
                    let next = chars[index + 1]
                    switch next {
                    case "\n": break
                    case "$", "`", "\"", "\\": word.text.append(next)
                    default: word.text.append(c); word.text.append(next)
                    }
                    index += 2
                } else if c == "$" {
                    word.text += readExpansion()
                } else {
                    word.text.append(c); index += 1
                }
            }
            index += 1
        }

        /// At a `$`: the value of `$NAME`, `${NAME}` or `${NAME:-word}`; a lone `$` (or `$(`, `$1`) stays as written.
        mutating func readExpansion() -> String {
            index += 1
            guard index < chars.count else { return "$" }
            if chars[index] == "{" {
                guard let close = chars[index...].firstIndex(of: "}") else { return "$" }
                let inside = String(chars[(index + 1)..<close])
                index = close + 1
                if let dash = inside.firstRange(of: ":-") {
                    let name = String(inside[..<dash.lowerBound])
                    let value = lookup(name)
                    return value.isEmpty ? String(inside[dash.upperBound...]) : value
                }
                return ShellAssignments.isName(inside) ? lookup(inside) : "${\(inside)}"
            }
            var name = ""
            while index < chars.count, chars[index] == "_" || (chars[index].isASCII && (chars[index].isLetter || chars[index].isNumber)) {
                if name.isEmpty && chars[index].isNumber { break }
                name.append(chars[index]); index += 1
            }
            return name.isEmpty ? "$" : lookup(name)
        }

        /// Bytes expanded so far: past `maximumExpansionBytes` every name expands to nothing, so
        /// `A="$A$A"` repeated cannot grow without bound.
        var expandedBytes = 0
        /// The longest value kept; a longer one is not assigned.
        static let maximumValueBytes = 64 << 10
        /// The most bytes all expansions of one file may produce together.
        static let maximumExpansionBytes = 16 << 20

        /// A variable's value for expansion; unset names expand to nothing.
        mutating func lookup(_ name: String) -> String {
            let value = pending[name] ?? variables[name] ?? ""
            expandedBytes += value.utf8.count
            return expandedBytes > Parser.maximumExpansionBytes ? "" : value
        }

        mutating func finishWord() {
            if word.started {
                if let name = word.assignedName, word.text.utf8.count <= Parser.maximumValueBytes { pending[name] = word.text }
                words.append(word)
            }
            word = Word()
        }

        /// Records the command's assignments: all of them for `export`/`readonly`/plain assignments;
        /// none when the line runs a command.
        mutating func finishCommand() {
            defer { words = []; pending = [:] }
            guard let first = words.first else { return }
            var candidates = words[...]
            if first.assignedName == nil && (first.text == "export" || first.text == "readonly") && !first.quoted {
                candidates = words.dropFirst()
                for w in candidates { if let name = w.assignedName { assign(name, w.text) } }
                return
            }
            guard candidates.allSatisfy({ $0.assignedName != nil }) else { return }
            for w in candidates { assign(w.assignedName!, w.text) }
        }

        mutating func assign(_ name: String, _ value: String) {
            guard value.utf8.count <= Parser.maximumValueBytes else { return }
            variables[name] = value
            result.append((name, value))
        }
    }
}
