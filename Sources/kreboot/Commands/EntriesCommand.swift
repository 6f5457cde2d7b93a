import ArgumentParser
import Execution
import Kdump
import LinuxSystem
import KexecCore
import Quiesce
import RebootPlan

/// `kreboot entries`: every boot entry found, the default marked.
struct EntriesCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "entries",
        abstract: "List the boot entries (GRUB2, Boot Loader Spec, /boot/vmlinuz), the default marked.")

    @OptionGroup var global: GlobalOptions

    /// The JSON form: the discovery plus a `default` flag on each entry.
    struct Listing: Encodable {
        struct Entry: Encodable {
            let entry: BootEntry
            let isDefault: Bool
            func encode(to encoder: any Encoder) throws {
                try entry.encode(to: encoder)
                var c = encoder.container(keyedBy: Key.self)
                try c.encode(isDefault, forKey: .default)
            }
            enum Key: String, CodingKey { case `default` }
        }
        let entries: [Entry]
        let defaultRule: String
        let configFile: String?
        let kind: BootSourceKind?
        let problems: [String]
    }

    func run() throws {
        let found = BootLoaderReader.read(root: RootDirectory(global.root))
        if global.json {
            let entries = found.entries.enumerated().map { Listing.Entry(entry: $1, isDefault: $0 == found.defaultIndex) }
            try JSONOutput.print(Listing(entries: entries, defaultRule: found.defaultRule, configFile: found.configFile,
                                         kind: found.kind, problems: found.problems))
        } else {
            for (i, e) in found.entries.enumerated() {
                let mark = i == found.defaultIndex ? "*" : " "
                print("\(mark) \(e.index.rightPadded(to: 6)) \(e.title.rightPadded(to: 44)) \(e.kernel)  [\(e.source.rawValue)]")
            }
            if found.entries.isEmpty { print("no boot entries found") }
            print("")
            print("default: " + (found.defaultEntry.map { "\($0.title) — " } ?? "none — ") + found.defaultRule)
            for problem in found.problems { Terminal.error(problem) }
        }
        if found.entries.isEmpty { throw ExitCode(ExitStatus.badData) }
    }
}
