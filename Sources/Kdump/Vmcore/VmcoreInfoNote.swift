import KexecCore
import LinuxSystem
import RebootPlan

/// The kernel's VMCOREINFO note: `KEY=VALUE` lines the crashed kernel wrote for dump tools
/// (`OSRELEASE=6.1.0-28-amd64`, `PAGESIZE=4096`, `CRASHTIME=1732632226`, `SYMBOL(…)=…`).
struct VmcoreInfoNote: Equatable {
    /// Every line, by key.
    var values: [String: String]

    /// Parses the note's text; lines without `=` are ignored.
    init(text: String) {
        var values: [String: String] = [:]
        for line in text.split(whereSeparator: { $0 == "\n" || $0 == "\0" }) {
            guard let eq = line.firstIndex(of: "=") else { continue }
            values[String(line[..<eq])] = String(line[line.index(after: eq)...]).trimmingWhitespace()
        }
        self.values = values
    }

    /// Parses the note's bytes (NUL padding allowed).
    init(bytes: some Collection<UInt8>) {
        self.init(text: String(decoding: bytes.prefix { $0 != 0 }, as: UTF8.self))
    }

    var osRelease: String? { values["OSRELEASE"].flatMap { $0.isEmpty ? nil : $0 } }
    var pageSize: Int? { values["PAGESIZE"].flatMap { Int($0) } }
    var crashTime: Int64? { values["CRASHTIME"].flatMap { Int64($0) } }
    var buildID: String? { values["BUILD-ID"] }
}
