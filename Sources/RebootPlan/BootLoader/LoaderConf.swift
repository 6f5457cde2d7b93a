import KexecCore
import LinuxSystem
#if canImport(Glibc)
import Glibc
#endif

/// systemd-boot's loader.conf (`default`, `timeout`, … one `key value` per line) and the EFI variables
/// that override its `default`: `LoaderEntryOneShot` (`bootctl set-oneshot`) and `LoaderEntryDefault`
/// (`bootctl set-default`); `@saved` means `LoaderEntryLastBooted`.
struct LoaderConf: Sendable, Equatable {
    static let candidates = ["/boot/loader/loader.conf", "/boot/efi/loader/loader.conf", "/efi/loader/loader.conf"]
    static let efiVariableDirectory = "/sys/firmware/efi/efivars"
    static let loaderVendorGUID = "4a67b082-0a4c-41cf-b6c7-440b29bb8c4f"

    /// The target path it was read from.
    var file: String
    /// The `default` pattern (a glob matched against entry ids), when set.
    var defaultPattern: String?
    var settings: [String: String]

    /// Parses loader.conf text.
    static func parse(_ text: String, file: String) -> LoaderConf {
        var settings: [String: String] = [:]
        for rawLine in text.split(whereSeparator: \.isNewline) {
            let line = rawLine.trimmingWhitespace()
            if line.isEmpty || line.hasPrefix("#") { continue }
            if let blank = line.firstIndex(where: { $0 == " " || $0 == "\t" }) {
                settings[String(line[..<blank])] = line[blank...].trimmingWhitespace()
            } else {
                settings[line] = ""
            }
        }
        let pattern = settings["default"].flatMap { $0.isEmpty ? nil : $0 }
        return LoaderConf(file: file, defaultPattern: pattern, settings: settings)
    }

    /// The first loader.conf that exists under `root`, nil when there is none.
    static func read(root: RootDirectory, problems: inout [String]) -> LoaderConf? {
        for path in candidates where root.exists(path) {
            guard let text = root.readFileText(path, limit: .configFile, problems: &problems) else { continue }
            return parse(text, file: path)
        }
        return nil
    }

    /// A systemd-boot EFI variable (UTF-16LE string after 4 attribute bytes), nil when absent or empty.
    static func efiVariable(_ name: String, root: RootDirectory) -> String? {
        let path = "\(efiVariableDirectory)/\(name)-\(loaderVendorGUID)"
        guard let bytes = root.readBytes(path, limit: 4096), bytes.count > 4 else { return nil }
        var units: [UInt16] = []
        var k = 4
        while k + 1 < bytes.count {
            let unit = UInt16(bytes[k]) | UInt16(bytes[k + 1]) << 8
            if unit == 0 { break }
            units.append(unit)
            k += 2
        }
        let value = String(decoding: units, as: UTF16.self)
        return value.isEmpty ? nil : value
    }

    /// Whether the glob `pattern` matches the entry (its id with or without `.conf`), case-insensitively as systemd-boot does.
    static func matches(_ pattern: String, _ entry: BLSEntry) -> Bool {
        let p = pattern.lowercased()
        return [entry.id, entry.idWithSuffix].contains { fnmatch(p, $0.lowercased(), 0) == 0 }
    }
}
