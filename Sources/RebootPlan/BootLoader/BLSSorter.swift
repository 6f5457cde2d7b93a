import KexecCore
import LinuxSystem
/// The orders BLS entries are shown in.
enum BLSSorter {
    /// systemd's `boot_entry_compare()` (src/shared/bootspec.c, mirrored by systemd-boot): entries with no
    /// tries left go last; entries with a sort-key come before those without; among those with one, by
    /// sort-key ascending, then machine-id ascending, then version descending; finally by id descending,
    /// all version comparisons with `strverscmp_improved`.
    static func systemdOrder(_ a: BLSEntry, _ b: BLSEntry) -> Bool {
        systemdCompare(a, b) < 0
    }

    /// Three-way form of `systemdOrder`.
    static func systemdCompare(_ a: BLSEntry, _ b: BLSEntry) -> Int {
        let aExhausted = a.triesLeft == 0, bExhausted = b.triesLeft == 0
        if aExhausted != bExhausted { return aExhausted ? 1 : -1 }
        if (a.sortKey == nil) != (b.sortKey == nil) { return a.sortKey == nil ? 1 : -1 }
        if let ak = a.sortKey, let bk = b.sortKey {
            if ak != bk { return byteOrder(ak, bk) }
            if a.machineID != b.machineID {
                guard let am = a.machineID else { return -1 }
                guard let bm = b.machineID else { return 1 }
                return byteOrder(am, bm)
            }
            let v = -SystemdVersionComparison.compare(a.version, b.version)
            if v != 0 { return v }
        }
        let i = -SystemdVersionComparison.compare(a.id, b.id)
        if i != 0 { return i }
        return byteOrder(a.fileName, b.fileName)
    }

    /// Fedora's and RHEL's GRUB `blscfg` order (grub-core/commands/blscfg.c): newest first by `version` with rpm's
    /// comparison when every entry has a version, else by file name (without `.conf`) alone; equal versions by
    /// file name, newest first.
    static func grubBLSSorted(_ found: [BLSReader.Found]) -> [BLSReader.Found] {
        let useVersion = found.allSatisfy { $0.entry.version != nil }
        func stem(_ entry: BLSEntry) -> String {
            entry.fileName.hasSuffix(".conf") ? String(entry.fileName.dropLast(5)) : entry.fileName
        }
        return found.sorted { a, b in
            if useVersion {
                let v = RPMVersionComparison.compare(a.entry.version ?? "", b.entry.version ?? "")
                if v != 0 { return v > 0 }
            }
            let f = RPMVersionComparison.compare(stem(a.entry), stem(b.entry))
            return f != 0 ? f > 0 : a.entry.fileName > b.entry.fileName
        }
    }

    private static func byteOrder(_ a: String, _ b: String) -> Int {
        a.utf8.lexicographicallyPrecedes(b.utf8) ? -1 : (a == b ? 0 : 1)
    }
}
