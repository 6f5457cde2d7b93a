import KexecCore
import LinuxSystem
/// GRUB's environment block (grubenv): a 1024-byte file starting with `# GRUB Environment Block`,
/// then `key=value` lines, padded with `#`. grub-editenv escapes `\` and newlines in values with a backslash.
public struct GrubEnvironment: Sendable, Equatable {
    static let signature = "# GRUB Environment Block"

    /// grub-reboot's one-time choice: `next_entry` when set and not empty.
    var nextEntry: String? { variables["next_entry"].flatMap { $0.isEmpty ? nil : $0 } }

    /// The target path it was read from.
    var file: String
    var variables: [String: String]

    /// Parses the text of a grubenv file; `problems` gets one line when the block is not valid
    /// (GRUB's load_env then loads nothing, so neither do we).
    static func parse(_ text: String, file: String, problems: inout [String]) -> GrubEnvironment {
        guard text.hasPrefix(signature) else {
            problems.append("\(file): not a GRUB environment block (no '\(signature)' header); ignored")
            return GrubEnvironment(file: file, variables: [:])
        }
        var variables: [String: String] = [:]
        for rawLine in text.split(whereSeparator: \.isNewline) {
            if rawLine.hasPrefix("#") { continue }
            guard let eq = rawLine.firstIndex(of: "=") else { continue }
            let key = String(rawLine[..<eq])
            guard !key.isEmpty else { continue }
            variables[key] = unescape(rawLine[rawLine.index(after: eq)...])
        }
        return GrubEnvironment(file: file, variables: variables)
    }

    /// The value of `name` in the grubenv `text` (nil when the block is not valid or has no such variable).
    public static func value(of name: String, in text: String) -> String? {
        var problems: [String] = []
        return parse(text, file: "", problems: &problems).variables[name]
    }

    /// Reads the first grubenv that exists among `candidates` (following a symlink inside `root`, as Fedora's
    /// /boot/grub2/grubenv → ../efi/EFI/fedora/grubenv); nil when none exists.
    static func read(root: RootDirectory, candidates: [String], problems: inout [String]) -> GrubEnvironment? {
        for path in candidates {
            let (real, error) = root.resolve(path)
            if error == .tooManySymbolicLinkLevels {
                problems.append("\(path): symlink loop")
                continue
            }
            guard root.exists(real) else {
                if root.readLink(path) != nil { problems.append("\(path): symlink to missing \(real)") }
                continue
            }
            let text: String
            do throws(SystemError) {
                guard let read = try root.readFileText(real, limit: .configFile) else { throw SystemError(.badData, "\(path): cannot be read") }
                text = read
            } catch {
                problems.append(error.message)
                continue
            }
            return parse(text, file: path, problems: &problems)
        }
        return nil
    }

    /// The block `bytes` with `name` set to `value` (added at the end when absent), the same size as before
    /// (the rest still `#` padding), as grub-editenv and GRUB's save_env write it; and `name`'s previous value.
    /// Nil when `bytes` is not an environment block, the new text does not fit, or either holds a newline
    /// (GRUB escapes those; the lines here are not worth that).
    public static func setting(_ name: String, to value: String,
                               in bytes: [UInt8]) -> (block: [UInt8], previous: String?)? {
        let text = String(decoding: bytes, as: UTF8.self)
        guard text.hasPrefix(signature + "\n"), !name.contains("="), !name.contains("\n"), !value.contains("\n") else { return nil }
        var lines: [String] = []
        var previous: String?
        var replaced = false
        let escaped = escape(value)
        for rawLine in text.dropFirst(signature.count + 1).split(separator: "\n", omittingEmptySubsequences: false) {
            if rawLine.hasPrefix("#") || rawLine.isEmpty { continue }
            if rawLine.hasPrefix(name + "=") {
                previous = unescape(rawLine.dropFirst(name.count + 1))
                lines.append("\(name)=\(escaped)")
                replaced = true
            } else {
                lines.append(String(rawLine))
            }
        }
        if !replaced { lines.append("\(name)=\(escaped)") }
        let body = Array((signature + "\n" + lines.map { $0 + "\n" }.joined()).utf8)
        guard body.count <= bytes.count else { return nil }
        return (body + [UInt8](repeating: UInt8(ascii: "#"), count: bytes.count - body.count), previous)
    }

    /// A backslash before each backslash, as GRUB's envblk writes values.
    private static func escape(_ value: String) -> String {
        value.replacing("\\", with: "\\\\")
    }

    private static func unescape(_ value: Substring) -> String {
        var result = ""
        var escaping = false
        for c in value {
            if escaping {
                result.append(c == "n" ? "\n" : c)
                escaping = false
            } else if c == "\\" {
                escaping = true
            } else {
                result.append(c)
            }
        }
        return result
    }
}
