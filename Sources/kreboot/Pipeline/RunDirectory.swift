import FoundationEssentials
import KexecCore
import RebootPlan
import Quiesce

/// One real run's record under /run/kreboot/runs/<id>/: what was asked (request.json: plan, image, options),
/// what was done (progress.log, one line per event) and how it ended (result.json, when it returned at all).
/// For the person looking into a failed run; /run survives the isolate.
struct RunDirectory {
    /// What the executor runs.
    struct Request: Codable {
        var plan: RebootPlan
        var image: KexecImage
        var force: Bool
        var kdumpTestID: String?
    }

    /// How the executor ended, when it returns at all (a successful exec or panic does not).
    struct Result: Codable {
        var ok: Bool
        var exitStatus: Int32
        var message: String
        var failedStep: String?
        var rolledBack: [String]
        var blockers: [String]
    }

    static let base = "/run/kreboot/runs"
    let path: String

    init(path: String) { self.path = path }

    /// A new run directory with a fresh id.
    static func create(base: String = RunDirectory.base) throws -> RunDirectory {
        let id = UUID().uuidString.lowercased().prefix(8)
        let dir = RunDirectory(path: "\(base)/\(id)")
        try FileManager.default.createDirectory(atPath: dir.path, withIntermediateDirectories: true,
                                                attributes: [.posixPermissions: 0o700])
        return dir
    }

    var id: String { path.split(separator: "/").last.map(String.init) ?? path }
    var requestFile: String { path + "/request.json" }
    var progressFile: String { path + "/progress.log" }
    var resultFile: String { path + "/result.json" }

    func write(_ request: Request) throws {
        try RecordWriter.write(Array(JSONEncoder().encode(request)), to: requestFile, operation: "run")
    }

    func readRequest() throws -> Request {
        try JSONDecoder().decode(Request.self, from: Data(contentsOf: URL(fileURLWithPath: requestFile)))
    }

    func write(_ result: Result) throws {
        try RecordWriter.write(Array(JSONEncoder().encode(result)), to: resultFile, operation: "run")
    }
}
