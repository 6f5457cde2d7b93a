import KexecCore
import LinuxSystem
import RebootPlan
import FoundationEssentials

#if canImport(Glibc)
import Glibc
#endif

/// The dumps under a save directory (SAVEDIR/<date-time>/vmcore + dmesg.txt + kreboot-dump.json),
/// newest first, each identified with `VmcoreInspector`. Other programs' dump directories are listed too,
/// with the tool `DumpLayout` recognises (kdump-tools' `<stamp>/dump.<stamp>`, kdump-utils' `<host>-<date>/vmcore`).
public enum DumpCatalog {
    /// Lists the dumps in `saveDir` (a path of the system under `root`; paths in the result are as that
    /// system sees them), newest first. Everything is read through the gateway: directories listed inside
    /// the root with an entry cap, each vmcore opened once (non-blocking, a regular file) and inspected
    /// through that descriptor. A save directory over the entry cap is one entry naming the problem.
    public static func list(root: RootDirectory = RootDirectory(), saveDir: String) -> [SavedDump] {
        var dumps: [(time: Int64, dump: SavedDump)] = []
        let names: [String]
        do { names = try root.readDirectory(saveDir) ?? [] } catch {
            return [SavedDump(directory: saveDir, vmcore: nil, dmesg: nil, savedByKreboot: false, savedAt: "",
                              testID: nil, complete: false, problem: error.message)]
        }
        for name in names {
            let dir = saveDir + "/" + name
            guard case .success(let st) = root.status(dir, followFinal: false), (st.st_mode & S_IFMT) == S_IFDIR,
                  let entry = entry(root: root, directory: dir, mtime: Int64(st.st_mtim.tv_sec)) else { continue }
            dumps.append(entry)
        }
        return dumps.sorted { ($0.time, $0.dump.directory) > ($1.time, $1.dump.directory) }.map(\.dump)
    }

    /// Lists the dumps of every directory in `saveDirs` (kreboot's and each kdump service's; each once), newest first.
    public static func list(root: RootDirectory = RootDirectory(), saveDirs: [String]) -> [SavedDump] {
        var unique: [String] = []
        for dir in saveDirs where !unique.contains(dir) { unique.append(dir) }
        let all = unique.flatMap { dir in list(root: root, saveDir: dir).map { (time: parseISODate($0.savedAt) ?? 0, dump: $0) } }
        return all.sorted { ($0.time, $0.dump.directory) > ($1.time, $1.dump.directory) }.map(\.dump)
    }

    /// The save directories of the system under `root`: `config`'s (kreboot's own) first, then each kdump
    /// service's configuration present (kdump-tools' KDUMP_COREDIR, kdump-utils' path, SUSE's KDUMP_SAVEDIR),
    /// local ones only, each once.
    public static func saveDirectories(root: RootDirectory, config: KdumpConfig) -> [String] {
        var dirs: [String] = []
        for dir in ([config] + KdumpConfigReader.readAll(root: root)).compactMap(\.localSaveDir) where !dirs.contains(dir) {
            dirs.append(dir)
        }
        return dirs
    }

    /// One directory's dump, or nil when it holds neither a vmcore, a dmesg nor kreboot's manifest.
    static func entry(root: RootDirectory, directory dir: String, mtime: Int64) -> (time: Int64, dump: SavedDump)? {
        var listingProblems: [String] = []
        let names = root.listDirectory(dir, problems: &listingProblems)
        if let problem = listingProblems.first {
            return (mtime, SavedDump(directory: dir, vmcore: nil, dmesg: nil, savedByKreboot: false,
                                     savedAt: VmcoreInfo.isoDate(mtime), testID: nil, complete: false, problem: problem))
        }
        let manifest = DumpManifest.read(root: root, directory: dir)
        let name = String(dir.split(separator: "/").last ?? "")
        let layout = DumpLayout(name: name, files: names, hasManifest: manifest != nil)
        let vmcoreName = layout.vmcore
        let dmesgName = layout.dmesg
        guard manifest != nil || vmcoreName != nil || dmesgName != nil else { return nil }

        var time = layout.nameTime ?? mtime
        if let saved = manifest?.savedAt, let seconds = parseISODate(saved) { time = seconds }
        var dump = SavedDump(directory: dir, vmcore: vmcoreName.map { dir + "/" + $0 },
                             dmesg: dmesgName.map { dir + "/" + $0 }, savedByKreboot: manifest != nil,
                             savedAt: manifest?.savedAt ?? VmcoreInfo.isoDate(mtime), testID: manifest?.testID,
                             complete: vmcoreName.map { !$0.hasSuffix("-incomplete") } == true && (manifest?.complete ?? true))
        dump.savedBy = layout.savedBy
        if dump.testID == nil, let record = (try? KdumpTestRecord.read(root: root, path: dir + "/" + KdumpTestRecord.dumpCopyName)) ?? nil {
            dump.testID = record.id
        }
        if let vmcore = dump.vmcore {
            do {
                let source = try FileByteSource(root: root, path: vmcore, operation: "dumps")
                dump.sizeBytes = source.size
                let info = try VmcoreInspector.inspect(source, root: root, path: vmcore)
                dump.info = info
                if info.incomplete == true { dump.complete = false; dump.problem = "makedumpfile marked the dump incomplete" }
            } catch {
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
