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
/// Never fails: unterminated quotes end at the end of the file. Works on the UTF-8 bytes (every character
/// GRUB's syntax gives a meaning is ASCII) and hands out one token at a time, so the text is never copied.
struct GrubLexer {
    private let text: [UInt8]
    private var position = 0
    /// The word being read: its parts so far, the literal bytes not yet made a part (a buffer kept from word
    /// to word), and whether those are quoted.
    private var word = GrubWord()
    private var literal: [UInt8] = []
    private var literalQuoted = false
    /// Set while `skipWords` passes over words: their text is not made into strings.
    private var discarding = false
    /// Variable names too long to be held inline in a String (`menuentry_id_option`, in every entry 10_linux
    /// writes), each made once and shared by every word that names it (at most `maximumLongNames`).
    private var longNames: [String] = []
    private static let maximumLongNames = 32

    init(bytes: [UInt8]) {
        text = bytes
    }

    init(_ source: String) {
        self.init(bytes: Array(source.utf8))
    }

    /// All tokens of the text.
    static func tokenize(_ source: String) -> [GrubToken] {
        var lexer = GrubLexer(source)
        var tokens: [GrubToken] = []
        while let token = lexer.next() { tokens.append(token) }
        return tokens
    }

    private func peek(_ offset: Int = 0) -> UInt8? {
        position + offset < text.count ? text[position + offset] : nil
    }

    private static let space = UInt8(ascii: " "), tab = UInt8(ascii: "\t"), cr = UInt8(ascii: "\r")
    private static let newline = UInt8(ascii: "\n"), semicolon = UInt8(ascii: ";"), hash = UInt8(ascii: "#")
    private static let open = UInt8(ascii: "{"), close = UInt8(ascii: "}"), backslash = UInt8(ascii: "\\")
    private static let single = UInt8(ascii: "'"), double = UInt8(ascii: "\""), dollar = UInt8(ascii: "$")

    private static func isBlank(_ c: UInt8) -> Bool { c == space || c == tab || c == cr }

    /// The next token, nil at the end.
    mutating func next() -> GrubToken? {
        while let c = peek() {
            if GrubLexer.isBlank(c) { position += 1; continue }
            if c == GrubLexer.backslash && peek(1) == GrubLexer.newline { position += 2; continue }
            if c == GrubLexer.hash {
                while let d = peek(), d != GrubLexer.newline { position += 1 }
                continue
            }
            if c == GrubLexer.newline || c == GrubLexer.semicolon { position += 1; return .separator }
            if c == GrubLexer.open { position += 1; return .openBrace }
            if c == GrubLexer.close { position += 1; return .closeBrace }
            return .word(readWord())
        }
        return nil
    }

    /// Skips the words up to the end of the command (the next separator, brace, comment or the end of the text)
    /// without making them: how the parser passes over a command it does not keep. The next token is then
    /// what `next()` would have returned after those words.
    mutating func skipWords() {
        discarding = true
        defer { discarding = false }
        while let c = peek() {
            if GrubLexer.isBlank(c) { position += 1; continue }
            if c == GrubLexer.backslash && peek(1) == GrubLexer.newline { position += 2; continue }
            if c == GrubLexer.hash || c == GrubLexer.newline || c == GrubLexer.semicolon || c == GrubLexer.open || c == GrubLexer.close {
                return
            }
            _ = readWord()
        }
    }

    /// Adds a part to the word being read (none while skipping).
    private mutating func add(_ part: GrubWord.Part) {
        if !discarding { word.append(part) }
    }

    /// Makes the pending literal bytes a part of the word.
    private mutating func flush() {
        if !literal.isEmpty && !discarding { word.append(.literal(String(decoding: literal, as: UTF8.self), quoted: literalQuoted)) }
        literal.removeAll(keepingCapacity: true)
    }

    /// Adds one literal byte, quoted or not.
    private mutating func append(_ byte: UInt8, quoted: Bool) {
        if quoted != literalQuoted { flush(); literalQuoted = quoted }
        literal.append(byte)
    }

    /// Whether `c` ends a word: a blank, a separator or a brace.
    private static func endsWord(_ c: UInt8) -> Bool {
        isBlank(c) || c == newline || c == semicolon || c == open || c == close
    }

    /// A word that is one run of plain bytes or one single-quoted string (most words: a command, a path, a
    /// title), made straight from the text; nil, nothing consumed, for any other word (`readWord` reads it).
    private mutating func simpleWord() -> GrubWord? {
        var end = position
        let quoted = text[position] == GrubLexer.single
        if quoted {
            end += 1
            while end < text.count, text[end] != GrubLexer.single { end += 1 }
            guard end < text.count else { return nil }  // not closed
            end += 1
        } else {
            while end < text.count, !GrubLexer.isSpecial(text[end]) { end += 1 }
            guard end > position else { return nil }  // starts with a quote, `\\` or `$`
        }
        guard end == text.count || GrubLexer.endsWord(text[end]) else { return nil }
        let content = quoted ? (position + 1)..<(end - 1) : position..<end
        position = end
        if discarding { return GrubWord() }
        return GrubWord(.literal(String(decoding: text[content], as: UTF8.self), quoted: quoted))
    }

    private mutating func readWord() -> GrubWord {
        if let simple = simpleWord() { return simple }
        word = GrubWord()
        literal.removeAll(keepingCapacity: true)
        literalQuoted = false
        defer { word = GrubWord() }
        while let c = peek() {
            if GrubLexer.endsWord(c) { break }
            switch c {
            case GrubLexer.backslash:
                position += 1
                if let escaped = peek() {
                    position += 1
                    if escaped != GrubLexer.newline { append(escaped, quoted: true) }
                    // The rest of an escaped multi-byte character belongs to it.
                    while escaped >= 0xC0, let more = peek(), more & 0xC0 == 0x80 { append(more, quoted: true); position += 1 }
                }
            case GrubLexer.single:
                position += 1
                let start = position
                while let d = peek(), d != GrubLexer.single { position += 1 }
                if position == start {
                    flush(); add(.literal("", quoted: true))
                } else {
                    if !literalQuoted { flush(); literalQuoted = true }
                    literal += text[start..<position]
                }
                position += 1
            case GrubLexer.double:
                position += 1
                var sawSomething = false
                while let d = peek(), d != GrubLexer.double {
                    if d == GrubLexer.backslash, let e = peek(1),
                       e == GrubLexer.double || e == GrubLexer.backslash || e == GrubLexer.dollar || e == GrubLexer.newline {
                        position += 2
                        if e != GrubLexer.newline { append(e, quoted: true) }
                    } else if d == GrubLexer.dollar, let name = readVariableName() {
                        flush(); add(.variable(name, quoted: true))
                    } else {
                        append(d, quoted: true); position += 1
                    }
                    sawSomething = true
                }
                position += 1
                if !sawSomething { flush(); add(.literal("", quoted: true)) }
            case GrubLexer.dollar:
                if let name = readVariableName() {
                    flush(); add(.variable(name, quoted: false))
                } else {
                    append(c, quoted: false); position += 1
                }
            default:
                // A run of plain bytes (most of a word: a path, a title) is added at once.
                if literalQuoted { flush(); literalQuoted = false }
                let start = position
                position += 1
                while position < text.count, !GrubLexer.isSpecial(text[position]) { position += 1 }
                literal += text[start..<position]
            }
        }
        flush()
        return word
    }

    /// At a `$`: reads `${name}`, `$name` or a special `$?` `$#` `$1`; nil (nothing consumed) when no name follows.
    private mutating func readVariableName() -> String? {
        guard let c = peek(1) else { return nil }
        if c == GrubLexer.open {
            var k = position + 2
            while k < text.count, text[k] != GrubLexer.close, text[k] != GrubLexer.newline { k += 1 }
            guard k < text.count, text[k] == GrubLexer.close else { return nil }
            let name = variableName(text[(position + 2)..<k])
            position = k + 1
            return name
        }
        if c == UInt8(ascii: "?") || c == GrubLexer.hash || c == UInt8(ascii: "*") || c == UInt8(ascii: "@") || (c >= 48 && c <= 57) {
            position += 2
            return String(UnicodeScalar(c))
        }
        guard GrubLexer.isNameCharacter(c) else { return nil }
        position += 1
        let start = position
        while let d = peek(), GrubLexer.isNameCharacter(d) { position += 1 }
        return variableName(text[start..<position])
    }

    /// The name of these bytes: a long one read before is shared, not made again.
    private mutating func variableName(_ bytes: ArraySlice<UInt8>) -> String {
        guard bytes.count > 15 else { return String(decoding: bytes, as: UTF8.self) }  // held inline
        if let known = longNames.first(where: { $0.utf8.elementsEqual(bytes) }) { return known }
        let name = String(decoding: bytes, as: UTF8.self)
        if longNames.count < GrubLexer.maximumLongNames { longNames.append(name) }
        return name
    }

    /// Whether `c` ends a run of plain word bytes: a blank, a separator, a brace, a quote, `\\` or `$`.
    private static func isSpecial(_ c: UInt8) -> Bool {
        isBlank(c) || c == newline || c == semicolon || c == open || c == close || c == backslash
            || c == single || c == double || c == dollar
    }

    private static func isNameCharacter(_ c: UInt8) -> Bool {
        c == UInt8(ascii: "_") || (c >= 48 && c <= 57) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122)
    }
}
