import KexecCore
import LinuxSystem
import FoundationEssentials

/// The record of a `kreboot --test-kdump` run (/var/lib/kreboot/kdump-test.json): written `pending`
/// before the panic; the capture kernel copies its id into the dump it saves; after the reboot
/// `kreboot status` resolves it to `succeeded` (its dump is found and readable) or `failed`.
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

    public init(id: String, time: String, release: String?, state: State = .pending, dumpPath: String? = nil,
                message: String? = nil) {
        self.id = id
        self.time = time
        self.release = release
        self.state = state
        self.dumpPath = dumpPath
        self.message = message
    }

    /// A new pending record with a fresh id.
    public static func pending(release: String?, now: Date = Date()) -> KdumpTestRecord {
        KdumpTestRecord(id: UUID().uuidString.lowercased(), time: VmcoreInfo.isoDate(Int64(now.timeIntervalSince1970)),
                        release: release)
    }

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

    /// For `kreboot status`: reads the record at `path`, resolves a pending one against the dumps in
    /// `saveDir` and writes the result back. Nil when there is no record.
    public static func resolveStored(path: String = defaultPath, saveDir: String) throws(KexecError) -> KdumpTestRecord? {
        guard let record = try read(path: path) else { return nil }
        guard record.state == .pending else { return record }
        let resolved = record.resolved(with: DumpCatalog.list(saveDir: saveDir))
        try resolved.write(path: path)
        return resolved
    }

    /// The record resolved against the saved dumps: `succeeded` when a dump carrying this id has a
    /// readable vmcore, `failed` otherwise. Records that are not pending are returned unchanged.
    public func resolved(with dumps: [SavedDump]) -> KdumpTestRecord {
        guard state == .pending else { return self }
        var result = self
        let mine = dumps.filter { $0.testID == id }
        if let good = mine.first(where: { $0.info != nil && $0.complete }) {
            result.state = .succeeded
            result.dumpPath = good.directory
            result.message = "dump \(good.vmcore ?? good.directory) is readable"
                + (good.info?.release.map { " (kernel \($0))" } ?? "")
        } else {
            result.state = .failed
            result.dumpPath = mine.first?.directory
            result.message = mine.first.map { "dump \($0.directory) is not readable: \($0.problem ?? "incomplete")" }
                ?? "no dump carries test id \(id)"
        }
        return result
    }
}
