import KexecCore
import RebootPlan
import LinuxSystem
import FoundationEssentials

/// The record of a `kreboot --test-kdump` run (/var/lib/kreboot/kdump-test.json): written `pending`
/// before the panic, with who will save the dump and where (the plan's `capture`); right before the panic
/// the executor writes the test's marker (`marker`) to the kernel log, so every saver's dmesg holds it;
/// kreboot's own saver also copies the id into its dump. After the reboot `kreboot status` resolves it to
/// `succeeded` (its dump is found and readable) or `failed`, with the reason.
public struct KdumpTestRecord: Codable, Sendable, Equatable {
    /// Where the record lives by default.
    public static let defaultPath = "/var/lib/kreboot/kdump-test.json"
    /// The copy kept in the dump directory.
    public static let dumpCopyName = "kdump-test.json"

    /// The test's state.
    public enum State: String, Codable, Sendable {
        case pending, succeeded, failed
    }

    /// A unique id (UUID).
    public var id: String
    /// When the test was started (ISO 8601, UTC).
    public var time: String
    /// The kernel release that was crashed.
    public var release: String?
    public var state: State
    /// The dump directory that proved the test, once resolved.
    public var dumpPath: String?
    /// Why it failed, or what was found.
    public var message: String?
    /// Who was to save the dump (`kreboot`, `kdump-tools`, `kdump-utils`, `suse-kdump`, `unknown`); nil in
    /// records from before this was kept (kreboot's saver).
    public var savedBy: String?
    /// Where that saver puts its dumps (local path); nil when unknown.
    public var saveDirectory: String?

    public init(id: String, time: String, release: String?, state: State = .pending, dumpPath: String? = nil,
                message: String? = nil, savedBy: String? = nil, saveDirectory: String? = nil) {
        self.id = id
        self.time = time
        self.release = release
        self.state = state
        self.dumpPath = dumpPath
        self.message = message
        self.savedBy = savedBy
        self.saveDirectory = saveDirectory
    }

    /// A new pending record with a fresh id; `capture` (the plan's) says who saves the dump where.
    public static func pending(release: String?, capture: KdumpCapture? = nil, now: Date = Date()) -> KdumpTestRecord {
        KdumpTestRecord(id: UUID().uuidString.lowercased(), time: VmcoreInfo.isoDate(Int64(now.timeIntervalSince1970)),
                        release: release, savedBy: capture?.savedBy, saveDirectory: capture?.saveDirectory)
    }

    /// The line written to the kernel log (/dev/kmsg) right before the panic: every saver keeps the kernel
    /// log of the crashed kernel with the dump, so the dump that holds it is this test's.
    public static func marker(id: String) -> String { "kreboot: kdump test \(id): crashing the kernel on purpose" }

    /// This test's marker line.
    public var marker: String { Self.marker(id: id) }

    /// How long before the test's time a dump may be dated and still be its (directory names hold minutes).
    public static let timeSlackSeconds: Int64 = 120

    /// Reads the record at `path` under `root` through the gateway (a regular file inside the root, at most
    /// 1 MiB); nil when there is none. A corrupt, oversized or non-regular record is a `.badImage` error
    /// naming the file.
    public static func read(root: RootDirectory = RootDirectory(), path: String = defaultPath) throws(KexecError) -> KdumpTestRecord? {
        let bytes: [UInt8]
        do {
            guard let read = try root.readFile(path, limit: .record) else { return nil }
            bytes = read
        } catch {
            throw KexecError(operation: "kdump-test", error)
        }
        do {
            return try JSONDecoder().decode(KdumpTestRecord.self, from: Data(bytes))
        } catch {
            throw KexecError(.badImage, operation: "kdump-test", path: path, "\(path): not a kdump test record: \(error)")
        }
    }

    /// Writes the record atomically, creating its directory.
    /// `path` is inside `root` (resolved in the tree: nothing outside it is created or written).
    public func write(path: String = defaultPath, root: RootDirectory = RootDirectory()) throws(KexecError) {
        if root.isRealRoot { try DumpFiles.makeDirectories(DumpFiles.parent(of: path), operation: "kdump-test") }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        let data: Data
        do { data = try encoder.encode(self) } catch {
            throw KexecError(.failed, operation: "kdump-test", path: path, "cannot encode the kdump test record: \(error)")
        }
        do { try RecordWriter.write(Array(data) + [0x0a], to: path, in: root, operation: "kdump-test") } catch {
            throw KexecError(operation: "kdump-test", error)
        }
    }

    /// For `kreboot status`: reads the record at `path`, resolves a pending one against the dumps in the
    /// saver's directory and `saveDir` (kreboot's) and writes the result back. Nil when there is no record.
    public static func resolveStored(path: String = defaultPath, saveDir: String) throws(KexecError) -> KdumpTestRecord? {
        guard let record = try read(path: path) else { return nil }
        guard record.state == .pending else { return record }
        let root = RootDirectory()
        let dumps = record.searchDirectories(krebootSaveDir: saveDir).flatMap { DumpCatalog.list(root: root, saveDir: $0) }
        let resolved = record.resolved(with: dumps, kernelLog: { kernelLog(of: $0, root: root) })
        try resolved.write(path: path)
        return resolved
    }

    /// The record resolved against the saved dumps: `succeeded` when a dump carrying this id (kreboot's
    /// saver), or a dump saved since the test whose kernel log holds the marker (any saver), has a readable
    /// vmcore; `failed` otherwise, saying why. `kernelLog` reads a dump's dmesg file (nil: none or unreadable).
    /// Records that are not pending are returned unchanged.
    public func resolved(with dumps: [SavedDump], kernelLog: (SavedDump) -> String? = { _ in nil }) -> KdumpTestRecord {
        guard state == .pending else { return self }
        var result = self
        var mine = dumps.filter { $0.testID == id }
        let testTime = DumpCatalog.parseISODate(time) ?? 0
        let newer = dumps.filter { dump in
            dump.testID == nil && (DumpCatalog.parseISODate(dump.savedAt) ?? 0) >= testTime - Self.timeSlackSeconds
        }
        var byMarker: [SavedDump] = []
        if mine.isEmpty {
            byMarker = newer.filter { kernelLog($0)?.contains(id) == true }
            mine = byMarker
        }
        if let good = mine.first(where: { $0.info != nil && $0.complete }) {
            result.state = .succeeded
            result.dumpPath = good.directory
            let how = byMarker.isEmpty ? "" : " (saved by \(good.savedBy ?? "unknown"), the test's marker in \(good.dmesg ?? "its kernel log"))"
            result.message = "dump \(good.vmcore ?? good.directory) is readable" + (good.info?.release.map { " (kernel \($0))" } ?? "") + how
        } else if let first = mine.first {
            result.state = .failed
            result.dumpPath = first.directory
            result.message = "dump \(first.directory) is not readable: \(first.problem ?? "incomplete")"
        } else {
            result.state = .failed
            let place = saveDirectory.map { " in \($0)" } ?? ""
            let saver = savedBy.map { " (\($0))" } ?? ""
            result.message = newer.isEmpty
                ? "no dump carries test id \(id) and no dump was saved\(place)\(saver) since the test"
                : "\(newer.count) dump(s) saved\(place) since the test, none with the test's marker in its kernel log: "
                    + newer.prefix(3).map { $0.dmesg ?? "\($0.directory) (no dmesg)" }.joined(separator: ", ")
        }
        return result
    }

    /// Where to look for this test's dump: the saver's directory and kreboot's own (`kreboot`), each once.
    public func searchDirectories(krebootSaveDir: String) -> [String] {
        var dirs: [String] = []
        for dir in [saveDirectory, krebootSaveDir].compactMap({ $0 }) where !dirs.contains(dir) { dirs.append(dir) }
        return dirs
    }

    /// Reads a dump's kernel log under `root` through the gateway (a regular file, at most 16 MiB); nil when
    /// it has none or it cannot be read.
    public static func kernelLog(of dump: SavedDump, root: RootDirectory) -> String? {
        guard let path = dump.dmesg, let bytes = (try? root.readFile(path, limit: .textFile)) ?? nil else { return nil }
        return String(decoding: bytes, as: UTF8.self)
    }
}
