import FoundationEssentials
import KexecCore
import LinuxSystem
import RebootPlan
import SystemPackage

#if canImport(Glibc)
import Glibc
#endif

/// What a confirmed run executes: the plan (which carries the image, the steps and the policy), the kdump
/// test's id for a kdump test, the options it was planned with (`__execute` plans again with them and
/// refuses when the plan changed) and the boot it was written in.
public struct RunRequest: Codable, Sendable, Equatable {
    public var plan: RebootPlan
    public var kdumpTestID: String?
    /// The user's options the plan was made with.
    public var options: PlanOptions?
    /// /proc/sys/kernel/random/boot_id when the request was written.
    public var bootID: String?

    public init(plan: RebootPlan, kdumpTestID: String? = nil, options: PlanOptions? = nil, bootID: String? = nil) {
        self.plan = plan
        self.kdumpTestID = kdumpTestID
        self.options = options
        self.bootID = bootID
    }
}

/// One real run's record under /run/kreboot/runs/<id>/: what was asked (request.json), what was done
/// (progress.log, one line per event) and how it ended (result.json, when it returned at all).
/// For the person looking into a failed run; /run survives the isolate.
public struct RunDirectory: Sendable {
    /// How the executor ended, when it returns at all (a successful exec or panic does not).
    public struct Result: Codable, Sendable {
        public var ok: Bool
        /// The failure's kind (`busy`, `loadFailed` …); nil when it went well.
        public var code: String?
        public var message: String
        public var failedStep: String?
        public var rolledBack: [String]
        public var blockers: [String]
    }

    public static let base = "/run/kreboot/runs"
    public let path: String

    public init(path: String) { self.path = path }

    /// A new run directory with a fresh id, 0700 (whatever the umask), under `base` (created 0700 when missing);
    /// never one that already exists.
    public static func create(base: String = RunDirectory.base) throws -> RunDirectory {
        let id = UUID().uuidString.lowercased().prefix(8)
        let dir = RunDirectory(path: "\(base)/\(id)")
        try RecordWriter.makeDirectories(base)
        guard mkdir(dir.path, 0o700) == 0, chmod(dir.path, 0o700) == 0 else {
            let error = Errno(rawValue: errno)
            throw SystemError(.failed, path: dir.path, errno: error, "\(dir.path): cannot create the run directory: \(error)")
        }
        return dir
    }

    public var id: String { path.split(separator: "/").last.map(String.init) ?? path }
    public var requestFile: String { path + "/request.json" }
    public var progressFile: String { path + "/progress.log" }
    public var resultFile: String { path + "/result.json" }

    public func write(_ request: RunRequest) throws {
        try RecordWriter.write(Array(JSONEncoder().encode(request)), to: requestFile, operation: "run")
    }

    /// The request, read through the gateway: a regular file (not a symlink), at most 64 MiB.
    public func readRequest() throws -> RunRequest {
        guard let bytes = try RootDirectory().readFile(requestFile, limit: .runRequest, followFinal: false) else {
            throw SystemError(.badData, path: requestFile, "\(requestFile): does not exist")
        }
        return try JSONDecoder().decode(RunRequest.self, from: Data(bytes))
    }

    public func write(_ result: Result) throws {
        try RecordWriter.write(Array(JSONEncoder().encode(result)), to: resultFile, operation: "run")
    }
}
