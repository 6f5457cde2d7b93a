/// Reads the active swap areas from /proc/swaps and the memory free to take their pages back
/// (MemAvailable in /proc/meminfo).
public enum SwapTableReader {
    /// The active swap areas; empty when /proc/swaps is absent or lists none.
    public static func read(root: RootDirectory) -> [SwapArea] {
        guard let text = root.readText("/proc/swaps") else { return [] }
        return parse(text)
    }

    /// Parses /proc/swaps: a header line, then `Filename Type Size Used Priority` with sizes in KiB.
    /// Malformed lines and sizes that do not fit in bytes are skipped, never trapped on.
    public static func parse(_ text: String) -> [SwapArea] {
        text.split(separator: "\n").dropFirst().compactMap { line in
            let fields = line.split(whereSeparator: { $0 == " " || $0 == "\t" })
            guard fields.count >= 4, let size = kibibytes(fields[2]), let used = kibibytes(fields[3]) else { return nil }
            let kind: SwapArea.Kind = fields[1] == "file" ? .file : .partition
            return SwapArea(path: unescape(String(fields[0])), kind: kind, sizeBytes: size, usedBytes: used)
        }
    }

    /// MemAvailable from /proc/meminfo, in bytes; nil when absent or impossible (`KernelState.impossible`
    /// says which).
    public static func memAvailableBytes(root: RootDirectory) -> UInt64? {
        guard let text = root.readText("/proc/meminfo") else { return nil }
        return (try? KernelStateReader.meminfoBytes(text, field: "MemAvailable").get()) ?? nil
    }

    private static func kibibytes(_ field: Substring) -> UInt64? {
        guard let value = UInt64(field) else { return nil }
        let (bytes, overflow) = value.multipliedReportingOverflow(by: 1024)
        return overflow ? nil : bytes
    }

    /// /proc/swaps writes a space in a path as `\040`, as mountinfo does.
    private static func unescape(_ path: String) -> String {
        var result = ""
        var rest = Substring(path)
        while let slash = rest.firstIndex(of: "\\") {
            result += rest[..<slash]
            let code = rest[slash...].dropFirst().prefix(3)
            if code.count == 3, let byte = UInt8(code, radix: 8) {
                result.append(Character(Unicode.Scalar(byte)))
                rest = rest[slash...].dropFirst(4)
            } else {
                result.append("\\")
                rest = rest[slash...].dropFirst()
            }
        }
        return result + rest
    }
}
