import KexecCore
import LinuxSystem
/// Parses grub.cfg text into a syntax tree (`GrubNode`) without running anything. Menu entries and
/// submenus may have their `{` on the same or the next line; unknown commands are kept as plain
/// commands; unbalanced braces, a missing `fi` or absurd nesting become problems, never a crash.
struct GrubConfigParser {
    /// The parsed top-level statements and the problems met (each one line naming the file).
    struct Result: Sendable {
        var nodes: [GrubNode]
        var problems: [String]
    }

    private enum Ending: Equatable {
        case keyword(String)
        case closeBrace
        case end
    }

    private static let maximumDepth = 64

    private let tokens: [GrubToken]
    private let file: String
    private var position = 0
    private var pending: [GrubWord]? = nil
    private var problems: [String] = []
    private var tooDeep = false

    private init(tokens: [GrubToken], file: String) {
        self.tokens = tokens
        self.file = file
    }

    /// Parses `text`; `file` names the source in problems.
    static func parse(_ text: String, file: String) -> Result {
        var parser = GrubConfigParser(tokens: GrubLexer.tokenize(text), file: file)
        var nodes: [GrubNode] = []
        while true {
            let (list, ending) = parser.parseList(terminators: [], insideBraces: false, depth: 0)
            nodes += list
            switch ending {
            case .end: return Result(nodes: nodes, problems: parser.problems)
            case .keyword(let word): parser.problem("stray '\(word)' outside an if/for block")
            case .closeBrace: parser.problem("unbalanced braces: '}' without '{'"); parser.position += 1
            }
        }
    }

    private mutating func problem(_ message: String) {
        if problems.count < 20 { problems.append("\(file): \(message)") }
    }

    /// Reads the words of one command, up to (not including) a separator or brace.
    private mutating func readCommand() -> [GrubWord] {
        if let words = pending { pending = nil; return words }
        var words: [GrubWord] = []
        while position < tokens.count, case .word(let word) = tokens[position] {
            words.append(word); position += 1
        }
        return words
    }

    /// Parses statements until a keyword in `terminators`, a `}` closing an enclosing block, or the end.
    /// A keyword ending the list is consumed; words after it on the same command are kept for the caller.
    private mutating func parseList(terminators: Set<String>, insideBraces: Bool, depth: Int) -> ([GrubNode], Ending) {
        if depth > GrubConfigParser.maximumDepth {
            if !tooDeep { problem("nesting deeper than \(GrubConfigParser.maximumDepth) levels; the rest is ignored"); tooDeep = true }
            position = tokens.count
            pending = nil
            return ([], .end)
        }
        var nodes: [GrubNode] = []
        while true {
            if pending == nil {
                guard position < tokens.count else { return (nodes, .end) }
                switch tokens[position] {
                case .separator:
                    position += 1
                    continue
                case .closeBrace:
                    if insideBraces { return (nodes, .closeBrace) }
                    problem("unbalanced braces: '}' without '{'")
                    position += 1
                    continue
                case .openBrace:
                    position += 1
                    let (inner, ending) = parseList(terminators: [], insideBraces: true, depth: depth + 1)
                    nodes += inner
                    if ending == .closeBrace { position += 1 } else if ending == .end { problem("unbalanced braces: '{' is never closed") }
                    continue
                case .word:
                    break
                }
            }
            var words = readCommand()
            guard let first = words.first else { continue }
            let keyword = first.bareText ?? ""
            if terminators.contains(keyword) {
                words.removeFirst()
                if !words.isEmpty { pending = words }
                return (nodes, .keyword(keyword))
            }
            switch keyword {
            case "if":
                nodes.append(parseIf(condition: Array(words.dropFirst()), insideBraces: insideBraces, depth: depth + 1))
            case "menuentry", "submenu", "function":
                nodes.append(parseBlock(keyword: keyword, arguments: Array(words.dropFirst()), depth: depth + 1))
            case "for", "while", "until":
                nodes.append(parseLoop(insideBraces: insideBraces, depth: depth + 1))
            case "then", "else", "elif", "fi", "do", "done":
                problem("stray '\(keyword)'")
                words.removeFirst()
                if !words.isEmpty { pending = words }
            default:
                nodes.append(.command(words))
            }
        }
    }

    private mutating func parseIf(condition: [GrubWord], insideBraces: Bool, depth: Int) -> GrubNode {
        var branches: [GrubBranch] = []
        var currentCondition: [GrubWord]? = condition
        while true {
            if let cond = currentCondition {
                // Commands before `then` belong to the condition.
                let (conditionNodes, ending) = parseList(terminators: ["then"], insideBraces: insideBraces, depth: depth)
                var words = cond
                for case .command(let more) in conditionNodes where words.isEmpty { words = more }
                guard ending == .keyword("then") else {
                    problem("'if' without 'then'/'fi'")
                    branches.append(GrubBranch(condition: words, body: []))
                    return .conditional(branches)
                }
                currentCondition = words
            }
            let (body, ending) = parseList(terminators: ["elif", "else", "fi"], insideBraces: insideBraces, depth: depth)
            branches.append(GrubBranch(condition: currentCondition, body: body))
            switch ending {
            case .keyword("elif"):
                currentCondition = pending ?? []
                pending = nil
            case .keyword("else"):
                if currentCondition == nil { problem("'else' after 'else'") }
                currentCondition = nil
                let (elseBody, elseEnding) = parseList(terminators: ["fi"], insideBraces: insideBraces, depth: depth)
                branches.append(GrubBranch(condition: nil, body: elseBody))
                if elseEnding != .keyword("fi") { problem("'if' without 'fi'") }
                return .conditional(branches)
            case .keyword:
                return .conditional(branches)
            default:
                problem("'if' without 'fi'")
                return .conditional(branches)
            }
        }
    }

    private mutating func parseLoop(insideBraces: Bool, depth: Int) -> GrubNode {
        let (_, ending) = parseList(terminators: ["do"], insideBraces: insideBraces, depth: depth)
        guard ending == .keyword("do") else { problem("loop without 'do'"); return .loop(body: []) }
        let (body, bodyEnding) = parseList(terminators: ["done"], insideBraces: insideBraces, depth: depth)
        if bodyEnding != .keyword("done") { problem("loop without 'done'") }
        return .loop(body: body)
    }

    /// `menuentry`/`submenu`/`function` followed by `{ … }`; the brace may come after newlines.
    private mutating func parseBlock(keyword: String, arguments: [GrubWord], depth: Int) -> GrubNode {
        let name = arguments.first.map { "\(keyword) '\($0.sourceText)'" } ?? keyword
        while position < tokens.count, tokens[position] == .separator { position += 1 }
        guard position < tokens.count, tokens[position] == .openBrace else {
            problem("\(name) has no '{' body")
            return .command([GrubWord(parts: [.literal(keyword, quoted: false)])] + arguments)
        }
        position += 1
        let (body, ending) = parseList(terminators: [], insideBraces: true, depth: depth)
        if ending == .closeBrace {
            position += 1
        } else {
            problem("unbalanced braces: \(name) is not closed")
        }
        switch keyword {
        case "menuentry": return .menuEntry(arguments: arguments, body: body)
        case "submenu": return .submenu(arguments: arguments, body: body)
        default: return .function(name: arguments.first?.sourceText ?? "", body: body)
        }
    }
}
