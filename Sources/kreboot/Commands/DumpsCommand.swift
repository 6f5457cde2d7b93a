import FoundationEssentials
import ArgumentParser
import Execution
import Kdump
import LinuxSystem
import Quiesce
import KexecCore
import RebootPlan

/// `kreboot dumps`: the dumps saved under KDUMP_SAVEDIR and every kdump service's save directory, newest
/// first, identified, with who saved each.
struct DumpsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "dumps",
        abstract: "List the saved kernel dumps, newest first: format, release, crash time, size, test id, who saved it.",
        discussion: """
        Looks in kreboot's save directory (KDUMP_SAVEDIR or KDUMP_COREDIR of the kdump configuration, default \
        /var/crash) and in the save directory of every kdump service configured: Debian's kdump-tools \
        (/etc/default/kdump-tools: KDUMP_COREDIR/<YYYYmmddHHMM>/dump.<stamp> + dmesg.<stamp>), Red Hat's \
        kdump-utils (/etc/kdump.conf: path/<host>-<date>/vmcore + vmcore-dmesg.txt) and SUSE's kdump \
        (/etc/sysconfig/kdump: KDUMP_SAVEDIR/<date>/vmcore + dmesg.txt). savedBy says which wrote each dump. \
        --save-dir or --config look in one directory only.
        """)

    @OptionGroup var global: GlobalOptions

    @Option(name: .long, help: ArgumentHelp("Look in DIR instead of KDUMP_SAVEDIR.", valueName: "DIR"))
    var saveDir: String?

    @Option(name: .long, help: ArgumentHelp("The kdump configuration file (default: found under --root).", valueName: "FILE"))
    var config: String?

    /// The JSON form: `saveDir` is kreboot's own, `saveDirs` every directory looked in.
    struct Listing: Encodable {
        let saveDir: String
        let saveDirs: [String]
        let dumps: [SavedDump]
    }

    func run() throws {
        var root = RootDirectory(global.root)
        let dir: String
        var dirs: [String]
        if let saveDir {
            // --save-dir is a directory on this machine, not under --root.
            root = RootDirectory()
            dir = saveDir
            dirs = [saveDir]
        } else {
            let cfg: KdumpConfig
            do { cfg = try KdumpConfigLoader.load(file: config, root: root) } catch {
                Terminal.error(error.message)
                throw ExitCode(ExitStatus.badData)
            }
            guard let local = cfg.localSaveDir else {
                let target = (try? DumpDelivery.read(cfg)).map { "\($0.target)" } ?? "(malformed)"
                Terminal.error("\(cfg.file): the dump target \(target) is remote: kreboot dumps lists local save directories only")
                throw ExitCode(ExitStatus.unavailable)
            }
            dir = local
            dirs = config == nil ? DumpCatalog.saveDirectories(root: root, config: cfg) : [local]
        }
        let dumps = DumpCatalog.list(root: root, saveDirs: dirs)
        if global.json {
            try JSONOutput.print(Listing(saveDir: dir, saveDirs: dirs, dumps: dumps))
            return
        }
        if dumps.isEmpty { print("no dumps in \(dirs.joined(separator: ", "))") }
        for dump in dumps {
            let info = dump.info
            let size = dump.sizeBytes.map { "\((Double($0) / 1_048_576).fixed(1)) MiB" } ?? "-"
            print("\(dump.savedAt)  \((info?.format.rawValue ?? "unreadable").rightPadded(to: 16)) "
                  + "\((info?.release ?? "?").rightPadded(to: 22)) \((info?.arch ?? "?").rightPadded(to: 8)) \(size.rightPadded(to: 11))"
                  + " crash \(info?.crashDate ?? "?")" + (dump.testID.map { "  test \($0)" } ?? ""))
            print("    \(dump.vmcore ?? dump.directory)" + (dump.savedByKreboot ? "" : "  (saved by \(dump.savedBy ?? "unknown"))")
                  + (dump.problem.map { "  — \($0)" } ?? ""))
            if let panic = info?.panicMessage { print("    \(panic)") }
        }
    }
}
