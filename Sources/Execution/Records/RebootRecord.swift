import RebootPlan
import Quiesce
import KexecCore
import LinuxSystem
import FoundationEssentials
import SystemPackage

/// What kreboot expects of the next boot, written to /var/lib/kreboot/last-reboot.json before the quiesce,
/// and checked by `kreboot status` in the boot after: a new boot id, the planned release, the planned
/// command line. This is how a kreboot reboot is verified, not just attempted.
public struct RebootRecord: Codable, Sendable, Equatable {
    /// Where the record lives: on the root file system, so it survives the kexec.
    public static let defaultPath = "/var/lib/kreboot/last-reboot.json"

    /// The states a record goes through.
    public enum State: String, Codable, Sendable {
        /// Written; the reboot has not been seen yet.
        case pending
        /// The new boot has a new boot id, the planned release and command line.
        case verified
        /// A new boot, but not the planned kernel or command line.
        case mismatch
        /// The run failed and was rolled back: no reboot happened.
        case rolledBack = "rolled-back"
    }

    public var id: String
    public var time: String
    /// /proc/sys/kernel/random/boot_id of the boot that started the reboot.
    public var fromBootID: String
    public var fromRelease: String?
    public var kernel: String
    public var expectedRelease: String?
    public var expectedCommandLine: String
    public var state: State
    /// What the verification found (one line).
    public var message: String?

    public init(id: String = UUID().uuidString.lowercased(), time: String = ISOTimestamp.string(),
                fromBootID: String, fromRelease: String?, kernel: String, expectedRelease: String?,
                expectedCommandLine: String, state: State = .pending, message: String? = nil) {
        self.id = id
        self.time = time
        self.fromBootID = fromBootID
        self.fromRelease = fromRelease
        self.kernel = kernel
        self.expectedRelease = expectedRelease
        self.expectedCommandLine = expectedCommandLine
        self.state = state
        self.message = message
    }

    /// The record checked against the running boot. Only a pending record changes; in the same boot it stays pending.
    public func verified(bootID: String, release: String?, commandLine: String) -> RebootRecord {
        guard state == .pending, bootID != fromBootID else { return self }
        var result = self
        var problems: [String] = []
        if let expected = expectedRelease, let release, expected != release {
            problems.append("running \(release), planned \(expected)")
        }
        let normalize = { (s: String) in s.split(whereSeparator: { $0 == " " || $0 == "\n" }).joined(separator: " ") }
        if normalize(commandLine) != normalize(expectedCommandLine) {
            problems.append("command line differs from the planned one")
        }
        result.state = problems.isEmpty ? .verified : .mismatch
        result.message = problems.isEmpty
            ? "booted \(release ?? kernel) with the planned command line (boot id \(bootID.prefix(8))…)"
            : problems.joined(separator: "; ")
        return result
    }

    /// Marks a pending record rolled back (the run failed before the kexec), saying why.
    public static func markRolledBack(_ message: String, path: String = defaultPath) {
        guard var record = read(path: path), record.state == .pending else { return }
        record.state = .rolledBack
        record.message = message
        try? record.write(path: path)
    }

    /// Reads the record at `path` under `root` through the gateway (a regular file inside the root, at most
    /// 1 MiB); nil when there is none or it is unreadable.
    public static func read(root: RootDirectory = RootDirectory(), path: String = defaultPath) -> RebootRecord? {
        guard let bytes = (try? root.readFile(path, limit: .record)) ?? nil else { return nil }
        return try? JSONDecoder().decode(RebootRecord.self, from: Data(bytes))
    }

    /// Writes the record atomically, creating its directory; `path` is inside `root` (resolved in the tree).
    public func write(path: String = defaultPath, root: RootDirectory = RootDirectory()) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        try RecordWriter.write(Array(try encoder.encode(self)), to: path, in: root, operation: "record")
    }
}
