/// The rule that keeps every error and check message one line, whatever a hostile or broken input put into
/// it (a file name with a line break, a grub.cfg title with an escape sequence, a configuration value with a
/// tab): line breaks, tabs and the other control characters are written as `\n`, `\r`, `\t` or `\u{…}`, the
/// Unicode line and paragraph separators as `\u{2028}` and `\u{2029}`. Text without them is returned as it is.
public enum OneLineText {
    /// `text` escaped as described above.
    public static func escape(_ text: String) -> String {
        guard text.unicodeScalars.contains(where: needsEscape) else { return text }
        var result = ""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\n": result += "\\n"
            case "\r": result += "\\r"
            case "\t": result += "\\t"
            case _ where needsEscape(scalar): result += "\\u{\(String(scalar.value, radix: 16))}"
            default: result.unicodeScalars.append(scalar)
            }
        }
        return result
    }

    static func needsEscape(_ scalar: Unicode.Scalar) -> Bool {
        scalar.properties.generalCategory == .control || scalar == "\u{2028}" || scalar == "\u{2029}"
    }
}
