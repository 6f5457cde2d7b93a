import KexecCore
import LinuxSystem
/// The size estimate from `makedumpfile --mem-usage`: its table of page counts by type (ZERO,
/// NON_PRI_CACHE, PRI_CACHE, USER, FREE, KERN_DATA) and the page size. The dump keeps the types the
/// dump level does not exclude; the estimate is their pages times the page size — an upper bound,
/// as compression is not counted.
public struct MemUsageEstimate: Equatable, Sendable {
    /// Pages by type name.
    public var pages: [String: UInt64]
    public var pageSize: UInt64

    /// Parses makedumpfile's output; nil when it has no table (the option does not work here).
    public init?(output: String) {
        var pages: [String: UInt64] = [:]
        var pageSize: UInt64?
        for line in output.split(separator: "\n") {
            let fields = line.split(whereSeparator: { $0 == " " || $0 == "\t" })
            guard fields.count >= 2 else { continue }
            if line.hasPrefix("page size:"), let value = UInt64(fields[fields.count - 1]) { pageSize = value }
            if ["ZERO", "NON_PRI_CACHE", "PRI_CACHE", "USER", "FREE", "KERN_DATA"].contains(String(fields[0])),
               let count = UInt64(fields[1]) {
                pages[String(fields[0])] = count
            }
        }
        guard let pageSize, pages["KERN_DATA"] != nil else { return nil }
        self.pages = pages
        self.pageSize = pageSize
    }

    /// The bytes a dump at `dumpLevel` keeps.
    public func bytes(dumpLevel: Int) -> UInt64 {
        var excluded: Set<String> = []
        if dumpLevel & 1 != 0 { excluded.insert("ZERO") }
        if dumpLevel & 2 != 0 { excluded.insert("NON_PRI_CACHE") }
        if dumpLevel & 4 != 0 { excluded.formUnion(["NON_PRI_CACHE", "PRI_CACHE"]) }
        if dumpLevel & 8 != 0 { excluded.insert("USER") }
        if dumpLevel & 16 != 0 { excluded.insert("FREE") }
        return pages.filter { !excluded.contains($0.key) }.values.reduce(0, +) * pageSize
    }
}
