import KexecCore
import LinuxSystem

/// The compound statements of `GrubConfigParser`: `if`/`elif`/`else`/`fi`, `while`/`for`/`until` loops, and the
/// brace blocks of `menuentry`, `submenu` and `function`.
extension GrubConfigParser {
    mutating func parseIf(condition: [GrubWord], insideBraces: Bool, depth: Int, context: Context) -> GrubNode {
        var branches: [GrubBranch] = []
        var currentCondition: [GrubWord]? = condition
        while true {
            if let cond = currentCondition {
                // Commands before `then` belong to the condition.
                let (conditionNodes, ending) = parseList(terminators: ["then"], insideBraces: insideBraces, depth: depth, context: .condition)
                var words = cond
                for case .command(let more) in conditionNodes where words.isEmpty { words = more }
                guard ending == .keyword("then") else {
                    problem("'if' without 'then'/'fi'")
                    branches.append(GrubBranch(condition: words, body: []))
                    return .conditional(branches)
                }
                currentCondition = words
            }
            let (body, ending) = parseList(terminators: ["elif", "else", "fi"], insideBraces: insideBraces, depth: depth, context: context)
            branches.append(GrubBranch(condition: currentCondition, body: body))
            switch ending {
            case .keyword("elif"):
                currentCondition = pending ?? []
                pending = nil
            case .keyword("else"):
                if currentCondition == nil { problem("'else' after 'else'") }
                currentCondition = nil
                let (elseBody, elseEnding) = parseList(terminators: ["fi"], insideBraces: insideBraces, depth: depth, context: context)
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

    mutating func parseLoop(insideBraces: Bool, depth: Int, context: Context) -> GrubNode {
        let (_, ending) = parseList(terminators: ["do"], insideBraces: insideBraces, depth: depth, context: .condition)
        guard ending == .keyword("do") else { problem("loop without 'do'"); return .loop(body: []) }
        let (body, bodyEnding) = parseList(terminators: ["done"], insideBraces: insideBraces, depth: depth, context: context)
        if bodyEnding != .keyword("done") { problem("loop without 'done'") }
        return .loop(body: body)
    }

    /// `menuentry`/`submenu`/`function` followed by `{ … }`; the brace may come after newlines.
    mutating func parseBlock(keyword: String, arguments: [GrubWord], depth: Int) -> GrubNode {
        // Named only in a problem: not made for every block of a large grub.cfg.
        func name() -> String { arguments.first.map { "\(keyword) '\($0.sourceText)'" } ?? keyword }
        while current == .separator { advance() }
        guard current == .openBrace else {
            problem("\(name()) has no '{' body")
            return .command([GrubWord(parts: [.literal(keyword, quoted: false)])] + arguments)
        }
        advance()
        let (body, ending) = parseList(terminators: [], insideBraces: true, depth: depth, context: keyword == "submenu" ? .script : .body)
        if ending == .closeBrace {
            advance()
        } else {
            problem("unbalanced braces: \(name()) is not closed")
        }
        switch keyword {
        case "menuentry": return .menuEntry(arguments: arguments, body: body)
        case "submenu": return .submenu(arguments: arguments, body: body)
        default: return .function(name: arguments.first?.sourceText ?? "", body: body)
        }
    }
}
