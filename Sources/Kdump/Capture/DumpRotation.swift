import KexecCore
import LinuxSystem
/// KDUMP_KEEP_OLD_DUMPS: before a new dump is saved, old dumps beyond the limit are deleted, oldest
/// first — only directories kreboot created (they carry `kreboot-dump.json`); other programs' files and
/// directories in the save directory are never touched. As SUSE's kdump defines it: N > 0 keeps the N
/// newest old dumps (so N + 1 exist after saving), 0 deletes nothing, -1 deletes every old dump.
public enum DumpRotation {
    /// SUSE's default KDUMP_KEEP_OLD_DUMPS.
    public static let defaultKeep = 5

    /// Which of `dumps` (names, oldest first) to delete so that `keep` remain.
    public static func toDelete(oldestFirst dumps: [String], keep: Int) -> [String] {
        if keep == 0 { return [] }
        if keep < 0 { return dumps }
        return Array(dumps.dropLast(keep))
    }

    /// kreboot's dump directories in `saveDir`, oldest first (by the manifest's time, then by name).
    public static func krebootDumps(in saveDir: String) -> [String] {
        var found: [(name: String, savedAt: String)] = []
        for name in RootDirectory().listDirectory(saveDir) where DumpFiles.isDirectory(saveDir + "/" + name) {
            if let manifest = DumpManifest.read(directory: saveDir + "/" + name) {
                found.append((name, manifest.savedAt))
            }
        }
        return found.sorted { ($0.savedAt, $0.name) < ($1.savedAt, $1.name) }.map(\.name)
    }

    /// Deletes old kreboot dumps in `saveDir` beyond `keep`; returns the names removed. A directory
    /// holding something other than plain files (put there by someone else) is left in place.
    @discardableResult
    public static func rotate(saveDir: String, keep: Int) -> [String] {
        toDelete(oldestFirst: krebootDumps(in: saveDir), keep: keep).filter {
            DumpFiles.removeDumpDirectory(saveDir + "/" + $0)
        }
    }
}
