import KexecCore
import LinuxSystem
/// Parses one BLS Type #1 entry file: `key value` lines, `#` comments, `initrd` and `options` may repeat.
enum BLSEntryParser {
    /// The id and boot counter of an entry file name: `foo+3-1.conf` → ("foo", 3, 1).
    static func identity(fileName: String) -> (id: String, triesLeft: Int?, triesDone: Int?) {
        var stem = Substring(fileName)
        if stem.hasSuffix(".conf") { stem = stem.dropLast(5) }
        guard let plus = stem.lastIndex(of: "+") else { return (String(stem), nil, nil) }
        let counter = stem[stem.index(after: plus)...]
        let numbers = counter.split(separator: "-", omittingEmptySubsequences: false)
        guard (1...2).contains(numbers.count), numbers.allSatisfy({ !$0.isEmpty && $0.allSatisfy(\.isASCII) && Int($0) != nil }) else {
            return (String(stem), nil, nil)
        }
        return (String(stem[..<plus]), Int(numbers[0]), numbers.count == 2 ? Int(numbers[1]) : nil)
    }

    /// Parses `text` from `file`. Values are kept as written (paths unresolved, `$vars` unexpanded).
    static func parse(_ text: String, fileName: String, file: String) -> BLSEntry {
        let identity = identity(fileName: fileName)
        var entry = BLSEntry(fileName: fileName, file: file, id: identity.id,
                             triesLeft: identity.triesLeft, triesDone: identity.triesDone)
        var options: [String] = []
        for rawLine in text.split(whereSeparator: \.isNewline) {
            let line = rawLine.trimmingWhitespace()
            if line.isEmpty || line.hasPrefix("#") { continue }
            let key: String, value: String
            if let blank = line.firstIndex(where: { $0 == " " || $0 == "\t" }) {
                key = String(line[..<blank])
                value = line[blank...].trimmingWhitespace()
            } else {
                key = line; value = ""
            }
            switch key {
            case "title": entry.title = value
            case "version": entry.version = value
            case "machine-id": entry.machineID = value
            case "sort-key": entry.sortKey = value
            case "linux": entry.linux = value
            case "efi": entry.efi = value
            case "initrd": entry.initrds += value.split(separator: " ").map(String.init)
            case "options": if !value.isEmpty { options.append(value) }
            default:
                entry.extra[key] = entry.extra[key].map { $0 + " " + value } ?? value
            }
        }
        entry.options = options.isEmpty ? nil : options.joined(separator: " ")
        return entry
    }
}
