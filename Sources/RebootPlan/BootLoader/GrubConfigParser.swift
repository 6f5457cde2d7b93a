import KexecCore
import LinuxSystem
/// Parses grub.cfg text into a syntax tree (`GrubNode`) without running anything. Menu entries and
/// submenus may have their `{` on the same or the next line; unknown commands are kept as plain
/// commands; unbalanced braces, a missing `fi` or absurd nesting become problems, never a crash.
/// Commands the menu builder never looks at are not kept (outside entry and function bodies: all but
/// assignments, `search`, `source`, `configfile`, `export` and `blscfg`; inside them: GRUB's own commands such as `insmod`, `echo`,
/// which a function cannot replace), and at most `maximumWords` words are kept: past that the rest of the
/// text is ignored, reported. So the tree of any grub.cfg stays small next to the text.
struct GrubConfigParser {
    /// The parsed top-level statements and the problems met (each one line naming the file).
    struct Result: Sendable {
        var nodes: [GrubNode]
        var problems: [String]
        /// Words kept in `nodes`.
        var words = 0
    }

    /// The most words one parse keeps: a 100,000-entry grub.cfg as Debian's grub-mkconfig writes it (four
    /// `--class` options, the xen test, `search`, `echo`) has about 3.1 million, which must all be kept; 60 MiB
    /// of `set a=b` lines stop here at about 400 MiB.
    static let maximumWords = 3_500_000

    /// GRUB's built-in commands that decide nothing the menu builder reads (GRUB runs a built-in before a
    /// function of the same name, so these are never function calls).
    static let ignoredCommands: Set<String> = [
        "insmod", "echo", "load_env", "save_env",
        "terminal_output", "terminal_input", "terminal", "loadfont", "serial", "sleep", "play", "background_image",
        "set_background_color", "clear", "rmmod", "lsmod",
    ]

    /// The commands the menu builder runs outside entries and functions (besides assignments and `search`, whose
    /// result names the file system later paths are read from).
    static let scriptCommands: Set<String> = ["source", "blscfg", "configfile", "export"]

    /// Where a list of statements is, which decides which commands matter.
    enum Context {
        /// Walked by the menu builder (top level, submenus): only assignments, `search`, and `scriptCommands` matter.
        case script
        /// A menu entry's or function's body: linux/initrd, assignments and function calls matter.
        case body
        /// An `if`'s condition, or a loop's header: every command is kept.
        case condition
    }

    enum Ending: Equatable {
        case keyword(String)
        case closeBrace
        case end
    }

    static let maximumDepth = 64

    /// Where the tokens come from, one at a time (the text is never held as a token list).
    var lexer: GrubLexer
    /// The token under the cursor, nil at the end.
    var current: GrubToken?
    let file: String
    var pending: [GrubWord]? = nil
    /// The words of the command being read (see `readCommand`).
    var commandWords: [GrubWord] = []
    /// Buffers the lists being read gather their statements in, one per list open (the innermost last), kept
    /// from list to list; each list is copied out once at its exact size (`finish`), so the tree holds no spare room
    /// and a body of three commands costs one array, not three as it grows.
    var listBuffers: [[GrubNode]] = []
    var openLists = 0
    var problems: [String] = []
    var tooDeep = false
    var words = 0
    let wordLimit: Int

    private init(lexer: GrubLexer, file: String, wordLimit: Int) {
        self.lexer = lexer
        self.file = file
        self.wordLimit = wordLimit
        current = self.lexer.next()
    }

    /// Moves to the next token.
    mutating func advance() { current = lexer.next() }

    /// Stops reading: the rest of the text is ignored.
    mutating func skipToEnd() { current = nil }

    /// Parses `text`; `file` names the source in problems.
    static func parse(_ text: String, file: String) -> Result {
        parse(bytes: Array(text.utf8), file: file)
    }

    /// Parses the UTF-8 bytes of a script (invalid sequences repaired in the words); `file` names the source
    /// in problems.
    /// `wordLimit`: the most words kept (less than `maximumWords` when other files took some).
    static func parse(bytes: [UInt8], file: String, wordLimit: Int = maximumWords) -> Result {
        var parser = GrubConfigParser(lexer: GrubLexer(bytes: bytes), file: file, wordLimit: wordLimit)
        var nodes: [GrubNode] = []
        while true {
            let (list, ending) = parser.parseList(terminators: [], insideBraces: false, depth: 0, context: .script)
            nodes += list
            switch ending {
            case .end: return Result(nodes: nodes, problems: parser.problems, words: parser.words)
            case .keyword(let word): parser.problem("stray '\(word)' outside an if/for block")
            case .closeBrace: parser.problem("unbalanced braces: '}' without '{'"); parser.advance()
            }
        }
    }

    mutating func problem(_ message: String) {
        if problems.count < 20 { problems.append("\(file): \(message)") }
    }

    /// Reads the words of one command, up to (not including) a separator or brace.
    mutating func readCommand() -> [GrubWord] {
        if let words = pending { pending = nil; return words }
        guard case .word(let first)? = current else { return [] }
        advance()
        guard case .word = current else { return [first] }
        // Gathered in a buffer kept from command to command, then copied once at their exact count (an array
        // grown word by word is reallocated several times and keeps spare room in the tree).
        commandWords.removeAll(keepingCapacity: true)
        commandWords.append(first)
        while case .word(let word)? = current {
            commandWords.append(word); advance()
        }
        var words: [GrubWord] = []  // a new buffer of its own size (`Array(commandWords)` would share the spare one)
        words.reserveCapacity(commandWords.count)
        words.append(contentsOf: commandWords)
        return words
    }

    /// Counts `count` more words kept; false (reported, and the rest of the text skipped) past the limit.
    mutating func keep(_ count: Int) -> Bool {
        words += count
        guard words > wordLimit else { return true }
        problem("more than \(wordLimit) words; the rest of the file is ignored")
        skipToEnd()
        pending = nil
        return false
    }

    /// Whether the builder can need `words` as a command in `context`.
    static func matters(_ words: [GrubWord], in context: Context) -> Bool {
        switch context {
        case .condition: return true
        case .body:
            guard let name = words.first?.bareText else { return true }
            return !ignoredCommands.contains(name)
        case .script:
            guard let name = words.first?.bareText else { return false }
            return scriptCommands.contains(name) || GrubSearch.commands.contains(name)
                || !GrubMenuBuilder.assignments(words).isEmpty
        }
    }

    /// Parses statements until a keyword in `terminators`, a `}` closing an enclosing block, or the end.
    /// A keyword ending the list is consumed; words after it on the same command are kept for the caller.
    mutating func parseList(terminators: Set<String>, insideBraces: Bool, depth: Int, context: Context) -> ([GrubNode], Ending) {
        if depth > GrubConfigParser.maximumDepth {
            if !tooDeep { problem("nesting deeper than \(GrubConfigParser.maximumDepth) levels; the rest is ignored"); tooDeep = true }
            skipToEnd()
            pending = nil
            return ([], .end)
        }
        if openLists == listBuffers.count { listBuffers.append([]) }
        let level = openLists
        openLists += 1
        defer { openLists -= 1 }
        while true {
            if pending == nil {
                guard let token = current else { return (finish(level), .end) }
                switch token {
                case .separator:
                    advance()
                    continue
                case .closeBrace:
                    if insideBraces { return (finish(level), .closeBrace) }
                    problem("unbalanced braces: '}' without '{'")
                    advance()
                    continue
                case .openBrace:
                    advance()
                    let (inner, ending) = parseList(terminators: [], insideBraces: true, depth: depth + 1, context: context)
                    listBuffers[level] += inner
                    if ending == .closeBrace { advance() } else if ending == .end { problem("unbalanced braces: '{' is never closed") }
                    continue
                case .word(let first):
                    // A command the builder never reads (`insmod`, `echo` in an entry): its other words are passed
                    // over unmade.
                    if context == .body, let name = first.bareText, GrubConfigParser.ignoredCommands.contains(name) {
                        lexer.skipWords()
                        advance()
                        continue
                    }
                }
            }
            var words = readCommand()
            guard let first = words.first else { continue }
            let keyword = first.bareText ?? ""
            if !terminators.isEmpty && terminators.contains(keyword) {
                words.removeFirst()
                if !words.isEmpty { pending = words }
                return (finish(level), .keyword(keyword))
            }
            let node: GrubNode
            switch keyword {
            case "if":
                guard keep(words.count) else { return (finish(level), .end) }
                words.removeFirst()
                node = parseIf(condition: words, insideBraces: insideBraces, depth: depth + 1, context: context)
            case "menuentry", "submenu", "function":
                guard keep(words.count) else { return (finish(level), .end) }
                words.removeFirst()  // in place: the arguments keep the command's array
                node = parseBlock(keyword: keyword, arguments: words, depth: depth + 1)
            case "for", "while", "until":
                node = parseLoop(insideBraces: insideBraces, depth: depth + 1, context: context)
            case "then", "else", "elif", "fi", "do", "done":
                problem("stray '\(keyword)'")
                words.removeFirst()
                if !words.isEmpty { pending = words }
                continue
            default:
                guard GrubConfigParser.matters(words, in: context) else { continue }
                guard keep(words.count) else { return (finish(level), .end) }
                node = .command(words)
            }
            listBuffers[level].append(node)
        }
    }

    /// The statements gathered at `level`, in an array of their own at its exact size; the buffer is emptied
    /// for the next list (its room kept).
    mutating func finish(_ level: Int) -> [GrubNode] {
        var nodes: [GrubNode] = []
        nodes.reserveCapacity(listBuffers[level].count)
        nodes.append(contentsOf: listBuffers[level])
        listBuffers[level].removeAll(keepingCapacity: true)
        return nodes
    }
}
