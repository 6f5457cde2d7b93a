import KexecCore
import LinuxSystem
import FoundationEssentials

/// The marker kreboot writes into every dump directory it creates (`kreboot-dump.json`): rotation
/// deletes only directories that carry it, and the catalog reads which test caused the dump.
public struct DumpManifest: Codable, Sendable, Equatable {
    /// The marker's file name.
    public static let fileName = "kreboot-dump.json"

    /// Always "kreboot".
    public var createdBy: String = "kreboot"
    /// When saving started (ISO 8601, UTC).
    public var savedAt: String
    /// KDUMP_DUMPFORMAT and KDUMP_DUMPLEVEL used.
    public var format: String
    public var dumpLevel: Int
    /// The id of the pending `--test-kdump` that caused this dump, if one was pending.
    public var testID: String?
    /// Whether the vmcore was written completely and renamed into place.
    public var complete: Bool
    /// What went wrong, when something did (the dump may still be partly useful).
    public var problems: [String]

    public init(savedAt: String, format: String, dumpLevel: Int, testID: String? = nil, complete: Bool = false,
                problems: [String] = []) {
        self.savedAt = savedAt
        self.format = format
        self.dumpLevel = dumpLevel
        self.testID = testID
        self.complete = complete
        self.problems = problems
    }

    /// Reads the manifest of a dump directory (under `root`, through the gateway, at most 1 MiB); nil when
    /// it has none (not kreboot's) or it is unreadable.
    public static func read(root: RootDirectory = RootDirectory(), directory: String) -> DumpManifest? {
        guard let bytes = (try? root.readFile(directory + "/" + fileName, limit: .record)) ?? nil else { return nil }
        return try? JSONDecoder().decode(DumpManifest.self, from: Data(bytes))
    }

    /// Writes it atomically into `directory`.
    func write(directory: String) throws(KexecError) {
        try DumpFiles.writeAtomically(try encoded(), to: directory + "/" + DumpManifest.fileName, operation: "save-dump")
    }

    /// The file's bytes: pretty, sorted JSON and a newline.
    func encoded() throws(KexecError) -> [UInt8] {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        do { return Array(try encoder.encode(self)) + [0x0a] } catch {
            throw KexecError(.failed, operation: "save-dump", path: DumpManifest.fileName, "cannot encode the dump manifest: \(error)")
        }
    }
}
