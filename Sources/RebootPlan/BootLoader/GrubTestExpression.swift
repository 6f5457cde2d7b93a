import KexecCore
import LinuxSystem
/// Evaluates the simple `[ … ]` / `test …` conditions generated grub.cfg files use
/// (`-z`, `-n`, a bare string, `=`, `==`, `!=`, `!`, joined by `-a` / `-o`). Anything else (file tests,
/// commands such as `loadfont` or `keystatus`) is unknown: nil.
enum GrubTestExpression {
    /// The truth of `condition` (the words after `if`), nil when it cannot be decided without running GRUB.
    static func evaluate(_ condition: [GrubWord], _ variables: [String: String]) -> Bool? {
        guard let head = condition.first?.bareText, head == "[" || head == "test" else { return nil }
        var words = Array(condition.dropFirst())
        if head == "[" {
            guard words.last?.bareText == "]" else { return nil }
            words.removeLast()
        }
        // Each word becomes one argument; an unquoted variable that expands to nothing disappears.
        var arguments: [(text: String, isOperator: Bool)] = []
        for word in words {
            let expanded = word.expand(variables)
            if expanded.isEmpty { continue }
            arguments.append((expanded.joined(separator: " "), word.bareText != nil))
        }
        // `-o` binds looser than `-a`: evaluate a disjunction of conjunctions of simple tests.
        var result: Bool? = false
        for disjunct in split(arguments, at: "-o") {
            var conjunction: Bool? = true
            for simple in split(disjunct, at: "-a") {
                conjunction = and(conjunction, simpleTest(simple.map(\.text)))
            }
            result = or(result, conjunction)
        }
        return result
    }

    private static func split(_ arguments: [(text: String, isOperator: Bool)], at op: String) -> [[(text: String, isOperator: Bool)]] {
        var parts: [[(text: String, isOperator: Bool)]] = [[]]
        for argument in arguments {
            if argument.isOperator && argument.text == op { parts.append([]) } else { parts[parts.count - 1].append(argument) }
        }
        return parts
    }

    private static func and(_ a: Bool?, _ b: Bool?) -> Bool? {
        if a == false || b == false { return false }
        if a == nil || b == nil { return nil }
        return true
    }

    private static func or(_ a: Bool?, _ b: Bool?) -> Bool? {
        if a == true || b == true { return true }
        if a == nil || b == nil { return nil }
        return false
    }

    private static func simpleTest(_ fields: [String]) -> Bool? {
        var fields = fields
        var negate = false
        if fields.count > 1 && fields.first == "!" { negate = true; fields.removeFirst() }
        let result: Bool?
        switch fields.count {
        case 0: result = false
        case 1: result = !fields[0].isEmpty
        case 2:
            switch fields[0] {
            case "-z": result = fields[1].isEmpty
            case "-n": result = !fields[1].isEmpty
            default: result = nil
            }
        case 3:
            switch fields[1] {
            case "=", "==": result = fields[0] == fields[2]
            case "!=": result = fields[0] != fields[2]
            default: result = nil
            }
        default: result = nil
        }
        return result.map { negate ? !$0 : $0 }
    }
}
