import LinuxSystem

/// How a dump directory's files are named, by the tool that saved it, and which of them are the dump
/// and its kernel log. Pure: it sees only names.
///
/// - kreboot: `<date-time>/vmcore` (`vmcore-incomplete` while saving) + `dmesg.txt` + `kreboot-dump.json`.
/// - kdump-tools (Debian): `KDUMP_COREDIR/<YYYYMMDDHHMM>/dump.<YYYYMMDDHHMM>` + `dmesg.<YYYYMMDDHHMM>`.
/// - kdump-utils (Red Hat): `<path>/<host>-<YYYY-MM-DD-HH:MM:SS>/vmcore` (`vmcore-incomplete`) +
///   `vmcore-dmesg.txt` (`vmcore-dmesg-incomplete.txt`).
/// - SUSE's kdump: `KDUMP_SAVEDIR/<YYYY-MM-DD-HH:MM>/vmcore` (+ `dmesg.txt`): `suse-kdump`.
/// - anything else with a `vmcore*` or `dump.*` file: `unknown`.
public struct DumpLayout: Sendable, Equatable {
    /// Who saved it: `kreboot`, `kdump-tools`, `kdump-utils`, `suse-kdump` or `unknown`.
    public var savedBy: String
    /// The dump's file name in the directory, if any.
    public var vmcore: String?
    /// The kernel log's file name, if any.
    public var dmesg: String?
    /// When the directory name says it was saved (UTC is assumed; the tools use local time), seconds since
    /// the epoch; nil when the name carries no time.
    public var nameTime: Int64?

    /// The layout of directory `name` holding `files`; `hasManifest` when kreboot-dump.json is there.
    public init(name: String, files: [String], hasManifest: Bool) {
        let isDmesg: (String) -> Bool = { $0.hasPrefix("dmesg") || $0.hasPrefix("vmcore-dmesg") }
        vmcore = files.first { $0 == "vmcore" }
            ?? files.first { $0 == "vmcore-incomplete" }
            ?? files.first { ($0.hasPrefix("vmcore") || $0.hasPrefix("dump.")) && !$0.hasSuffix(".json") && !isDmesg($0) }
        dmesg = files.first { $0 == VmcoreInspector.dmesgFileName } ?? files.first { $0 == "vmcore-dmesg.txt" }
            ?? files.first(where: isDmesg)
        if hasManifest {
            savedBy = "kreboot"
            nameTime = nil
        } else if let stamp = Self.kdumpToolsStamp(name), files.contains("dump.\(stamp.text)") || files.contains("dmesg.\(stamp.text)") {
            savedBy = "kdump-tools"
            nameTime = stamp.seconds
        } else if let seconds = Self.suseTime(name), vmcore?.hasPrefix("vmcore") == true || dmesg == VmcoreInspector.dmesgFileName {
            savedBy = "suse-kdump"
            nameTime = seconds
        } else if let seconds = Self.kdumpUtilsTime(name), vmcore?.hasPrefix("vmcore") == true || dmesg?.hasPrefix("vmcore-dmesg") == true {
            savedBy = "kdump-utils"
            nameTime = seconds
        } else {
            savedBy = "unknown"
            nameTime = nil
        }
    }

    /// kdump-tools' `date +%Y%m%d%H%M` directory name.
    static func kdumpToolsStamp(_ name: String) -> (text: String, seconds: Int64)? {
        guard name.count == 12, name.allSatisfy({ $0.isASCII && $0.isNumber }) else { return nil }
        let digits = Array(name).map { Int(String($0))! }
        func number(_ range: Range<Int>) -> Int { digits[range].reduce(0) { $0 * 10 + $1 } }
        guard let seconds = epochSeconds(year: number(0..<4), month: number(4..<6), day: number(6..<8),
                                         hour: number(8..<10), minute: number(10..<12), second: 0) else { return nil }
        return (name, seconds)
    }

    /// kdump-utils' `<host>-%Y-%m-%d-%H:%M:%S` directory name (the host may hold dashes: read from the end).
    static func kdumpUtilsTime(_ name: String) -> Int64? {
        let parts = name.split(separator: "-", omittingEmptySubsequences: false)
        guard parts.count >= 5 else { return nil }
        let tail = parts.suffix(4).map(String.init)
        let clock = tail[3].split(separator: ":").map { Int($0) }
        guard let year = Int(tail[0]), let month = Int(tail[1]), let day = Int(tail[2]), clock.count == 3,
              let hour = clock[0], let minute = clock[1], let second = clock[2] else { return nil }
        return epochSeconds(year: year, month: month, day: day, hour: hour, minute: minute, second: second)
    }

    /// SUSE kdumptool's `%Y-%m-%d-%H:%M` directory name (no host: exactly four dash-separated fields).
    static func suseTime(_ name: String) -> Int64? {
        let parts = name.split(separator: "-", omittingEmptySubsequences: false).map(String.init)
        guard parts.count == 4 else { return nil }
        let clock = parts[3].split(separator: ":").map { Int($0) }
        guard let year = Int(parts[0]), let month = Int(parts[1]), let day = Int(parts[2]), clock.count == 2,
              let hour = clock[0], let minute = clock[1] else { return nil }
        return epochSeconds(year: year, month: month, day: day, hour: hour, minute: minute, second: 0)
    }

    /// Seconds since 1970 for a UTC civil time; nil when a field is out of range.
    static func epochSeconds(year: Int, month: Int, day: Int, hour: Int, minute: Int, second: Int) -> Int64? {
        guard (1970...9999).contains(year), (1...12).contains(month), (1...31).contains(day),
              (0...23).contains(hour), (0...59).contains(minute), (0...60).contains(second) else { return nil }
        // Days from civil (Howard Hinnant's algorithm).
        let y = month <= 2 ? year - 1 : year
        let era = y / 400
        let yoe = y - era * 400
        let doy = (153 * (month + (month > 2 ? -3 : 9)) + 2) / 5 + day - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        let days = era * 146_097 + doe - 719_468
        return Int64(days) * 86_400 + Int64(hour * 3600 + minute * 60 + second)
    }
}
