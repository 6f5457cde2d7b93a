import KexecCore
import LinuxSystem
/// A token of grub.cfg: a word, a command separator (newline or `;`), or a brace.
enum GrubToken: Equatable, Sendable {
    case word(GrubWord)
    case separator
    case openBrace
    case closeBrace
}

/// Splits grub.cfg text into tokens the way GRUB's shell lexer does: blanks separate words, `#` at the
/// start of a word comments to the end of the line, `'…'` is literal, `"…"` allows `\"`, `\\`, `\$` and
/// `$var` expansion, a backslash escapes the next character, and backslash-newline continues the line.
/// Never fails: unterminated quotes end at the end of the file.
struct GrubLexer {
    private let text: [Unicode.Scalar]
    private var position = 0

    init(_ source: String) {
        text = Array(source.unicodeScalars)
    }

    /// All tokens of the text.
    static func tokenize(_ source: String) -> [GrubToken] {
        var lexer = GrubLexer(source)
        var tokens: [GrubToken] = []
        while let token = lexer.next() { tokens.append(token) }
        return tokens
    }

    private func peek(_ offset: Int = 0) -> Unicode.Scalar? {
        position + offset < text.count ? text[position + offset] : nil
    }

    private static func isBlank(_ c: Unicode.Scalar) -> Bool { c == " " || c == "\t" || c == "\r" }

    /// The next token, nil at the end.
    mutating func next() -> GrubToken? {
        while let c = peek() {
            if GrubLexer.isBlank(c) { position += 1; continue }
            if c == "\\" && peek(1) == "\n" { position += 2; continue }
            if c == "#" {
                while let d = peek(), d != "\n" { position += 1 }
                continue
            }
            if c == "\n" || c == ";" { position += 1; return .separator }
            if c == "{" { position += 1; return .openBrace }
            if c == "}" { position += 1; return .closeBrace }
            return .word(readWord())
        }
        return nil
    }

    private mutating func readWord() -> GrubWord {
        var parts: [GrubWord.Part] = []
        var literal = ""
        var literalQuoted = false
        func flush() {
            if !literal.isEmpty { parts.append(.literal(literal, quoted: literalQuoted)) }
            literal = ""
        }
        func appendLiteral(_ s: String, quoted: Bool) {
            if quoted != literalQuoted { flush(); literalQuoted = quoted }
            literal += s
        }
        while let c = peek() {
            if GrubLexer.isBlank(c) || c == "\n" || c == ";" || c == "{" || c == "}" { break }
            switch c {
            case "\\":
                position += 1
                if let escaped = peek() {
                    position += 1
                    if escaped != "\n" { appendLiteral(String(escaped), quoted: true) }
                }
            case "'":
                position += 1
                var quoted = ""
                while let d = peek(), d != "'" { quoted.unicodeScalars.append(d); position += 1 }
                position += 1
                appendLiteral(quoted, quoted: true)
                if quoted.isEmpty { flush(); parts.append(.literal("", quoted: true)) }
            case "\"":
                position += 1
                var sawSomething = false
                while let d = peek(), d != "\"" {
                    if d == "\\", let e = peek(1), e == "\"" || e == "\\" || e == "$" || e == "\n" {
                        position += 2
                        if e != "\n" { appendLiteral(String(e), quoted: true) }
                    } else if d == "$", let name = readVariableName() {
                        flush(); parts.append(.variable(name, quoted: true))
                    } else {
                        appendLiteral(String(d), quoted: true); position += 1
                    }
                    sawSomething = true
                }
                position += 1
                if !sawSomething { flush(); parts.append(.literal("", quoted: true)) }
            case "$":
                if let name = readVariableName() {
                    flush(); parts.append(.variable(name, quoted: false))
                } else {
                    appendLiteral("$", quoted: false); position += 1
                }
            default:
                appendLiteral(String(c), quoted: false); position += 1
            }
        }
        flush()
        return GrubWord(parts: parts)
    }

    /// At a `$`: reads `${name}`, `$name` or a special `$?` `$#` `$1`; nil (nothing consumed) when no name follows.
    private mutating func readVariableName() -> String? {
        guard let c = peek(1) else { return nil }
        if c == "{" {
            var name = ""
            var k = position + 2
            while k < text.count, text[k] != "}", text[k] != "\n" { name.unicodeScalars.append(text[k]); k += 1 }
            guard k < text.count, text[k] == "}" else { return nil }
            position = k + 1
            return name
        }
        if c == "?" || c == "#" || c == "*" || c == "@" || (c.value >= 48 && c.value <= 57) {
            position += 2
            return String(c)
        }
        guard GrubLexer.isNameCharacter(c) else { return nil }
        var name = ""
        position += 1
        while let d = peek(), GrubLexer.isNameCharacter(d) { name.unicodeScalars.append(d); position += 1 }
        return name
    }

    private static func isNameCharacter(_ c: Unicode.Scalar) -> Bool {
        c == "_" || (c.value >= 48 && c.value <= 57) || (c.value >= 65 && c.value <= 90) || (c.value >= 97 && c.value <= 122)
    }
}
