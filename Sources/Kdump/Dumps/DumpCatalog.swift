import KexecCore
import LinuxSystem
import FoundationEssentials

/// The dumps under a save directory (SAVEDIR/<date-time>/vmcore + dmesg.txt + kreboot-dump.json),
/// newest first, each identified with `VmcoreInspector`. Other programs' dump directories are listed too,
/// with the tool `DumpLayout` recognises (kdump-tools' `<stamp>/dump.<stamp>`, kdump-utils' `<host>-<date>/vmcore`).
public enum DumpCatalog {
    /// Lists the dumps in `saveDir` (a path on this machine), newest first.
    public static func list(saveDir: String) -> [SavedDump] {
        var dumps: [(time: Int64, dump: SavedDump)] = []
        for name in DirectoryListing(saveDir).names {
            let dir = saveDir + "/" + name
            guard DumpFiles.isDirectory(dir), let entry = entry(directory: dir) else { continue }
            dumps.append(entry)
        }
        return dumps.sorted { ($0.time, $0.dump.directory) > ($1.time, $1.dump.directory) }.map(\.dump)
    }

    /// One directory's dump, or nil when it holds neither a vmcore, a dmesg nor kreboot's manifest.
    static func entry(directory dir: String) -> (time: Int64, dump: SavedDump)? {
        let names = DirectoryListing(dir).names
        let manifest = DumpManifest.read(directory: dir)
        let name = String(dir.split(separator: "/").last ?? "")
        let layout = DumpLayout(name: name, files: names, hasManifest: manifest != nil)
        let vmcoreName = layout.vmcore
        let dmesgName = layout.dmesg
        guard manifest != nil || vmcoreName != nil || dmesgName != nil else { return nil }

        let mtime = DumpFiles.modificationTime(dir)
        var time = layout.nameTime ?? mtime
        if let saved = manifest?.savedAt, let seconds = parseISODate(saved) { time = seconds }
        var dump = SavedDump(directory: dir, vmcore: vmcoreName.map { dir + "/" + $0 },
                             dmesg: dmesgName.map { dir + "/" + $0 }, savedByKreboot: manifest != nil,
                             savedAt: manifest?.savedAt ?? VmcoreInfo.isoDate(mtime), testID: manifest?.testID,
                             complete: vmcoreName.map { !$0.hasSuffix("-incomplete") } == true && (manifest?.complete ?? true))
        dump.savedBy = layout.savedBy
        if dump.testID == nil, let record = (try? KdumpTestRecord.read(path: dir + "/" + KdumpTestRecord.dumpCopyName)) ?? nil {
            dump.testID = record.id
        }
        if let vmcore = dump.vmcore {
            dump.sizeBytes = DumpFiles.size(vmcore)
            switch VmcoreInspector.inspect(path: vmcore) {
            case .success(let info):
                dump.info = info
                if info.incomplete == true { dump.complete = false; dump.problem = "makedumpfile marked the dump incomplete" }
            case .failure(let error):
                dump.problem = error.message
            }
        } else {
            dump.problem = "no vmcore in \(dir)"
        }
        if dump.vmcore?.hasSuffix("vmcore-incomplete") == true { dump.problem = dump.problem ?? "saving did not finish" }
        if let problems = manifest?.problems, !problems.isEmpty, dump.problem == nil { dump.problem = problems.joined(separator: "; ") }
        return (time, dump)
    }

    /// `2026-11-26T15:03:46Z` → seconds since the epoch.
    static func parseISODate(_ text: String) -> Int64? {
        ISOTimestamp.date(from: text).map { Int64($0.timeIntervalSince1970) }
    }
}
