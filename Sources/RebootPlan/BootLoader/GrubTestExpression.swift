/// Evaluates the simple `[ … ]` / `test …` conditions generated grub.cfg files use
/// (`-z`, `-n`, a bare string, `=`, `==`, `!=`, `!`). Anything else (file tests, commands such as
/// `loadfont` or `keystatus`) is unknown: nil.
enum GrubTestExpression {
    /// The truth of `condition` (the words after `if`), nil when it cannot be decided without running GRUB.
    static func evaluate(_ condition: [GrubWord], _ variables: [String: String]) -> Bool? {
        guard let head = condition.first?.bareText, head == "[" || head == "test" else { return nil }
        var words = Array(condition.dropFirst())
        if head == "[" {
            guard words.last?.bareText == "]" else { return nil }
            words.removeLast()
        }
        // Expand each word to one string: GRUB's test sees quoted empties as empty arguments.
        var fields: [String] = []
        for word in words {
            let expanded = word.expand(variables)
            if expanded.isEmpty { continue }
            fields.append(expanded.joined(separator: " "))
        }
        var negate = false
        if fields.first == "!" { negate = true; fields.removeFirst() }
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
