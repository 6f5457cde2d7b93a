import KexecCore
import LinuxSystem
import RebootPlan

/// An ftp target through libcurl, streamed: each file is uploaded as `DIR/NAME.incomplete` straight from
/// the producer's pipe (makedumpfile's flattened output `-F` for the vmcore, so no local disk is needed), the
/// missing directories created on the way, then renamed to its final name with `RNFR`/`RNTO`; an abort
/// deletes it (`DELE`). Paths are relative to the login directory, as in an ftp URL; every segment is
/// percent-encoded in the URL and sent raw in the commands. The password goes to libcurl only.
///
/// FTP cannot tell the server's free space: the plan says so, and a full disk shows as the upload failing.
/// Old dumps there are not listed, so not rotated (KDUMP_KEEP_OLD_DUMPS).
public struct FtpDumpTransport: StreamingDumpTransport {
    public var target: DumpTarget
    /// Runs the requests (libcurl; a recording fake in tests).
    public var performer: any CurlPerforming

    public init(target: DumpTarget, performer: any CurlPerforming = LibcurlPerformer()) {
        self.target = target
        self.performer = performer
    }

    public var summary: String { target.description }

    /// The target's path, then `directory` and `name`, as segments (empty ones dropped).
    func segments(_ directory: String, _ name: String? = nil) -> [String] {
        (target.path + "/" + directory + "/" + (name ?? "")).split(separator: "/").map(String.init)
    }

    /// `ftp://host[:port]/a/b/` (a directory) or `…/a/b/name`, each segment percent-encoded.
    func url(_ segments: [String], directory: Bool) -> String {
        let host = target.hostForURL ?? ""
        let port = target.port.map { ":\($0)" } ?? ""
        let path = segments.map(Self.percentEncoded).joined(separator: "/")
        return "ftp://\(host)\(port)/" + path + (directory && !segments.isEmpty ? "/" : "")
    }

    /// A request for `url` with the target's credentials.
    func request(_ url: String) -> CurlRequest {
        var request = CurlRequest(url: url, protocols: "ftp")
        request.username = target.user ?? "anonymous"
        request.password = target.transportPassword() ?? (target.user == nil ? "kreboot@" : nil)
        return request
    }

    /// Runs `request`; a failure names the target (masked) and libcurl's reason.
    func perform(_ request: CurlRequest, what: String) throws(KexecError) -> CurlRequest.Outcome {
        do { return try performer.perform(request) } catch {
            let code: KexecError.Code = error.curlCode == CurlRequest.Failure.unavailableCode ? .unavailable : .failed
            throw KexecError(code, operation: "save-dump", path: target.description, "\(target): \(what) failed: \(error.message)")
        }
    }

    public func prepare(directory: String) throws(KexecError) {
        var check = request(url(segments(directory), directory: true))
        check.noBody = true
        check.createMissingDirectories = true
        _ = try perform(check, what: "logging in and creating \(segments(directory).joined(separator: "/"))")
    }

    public func begin(directory: String, name: String) throws(KexecError) -> any DumpUpload {
        FtpDumpUpload(transport: self, directory: segments(directory), name: name)
    }

    public func finish() {}

    public func remotePath(_ directory: String, _ name: String? = nil) -> String {
        "/" + segments(directory, name).joined(separator: "/")
    }

    /// nil: kreboot does not list ftp directories (old dumps there are not rotated).
    public func krebootDumps() throws(KexecError) -> [String]? { nil }

    public func removeDump(_ name: String) throws(KexecError) {
        throw KexecError(.unavailable, operation: "save-dump", path: target.description, "\(target): old dumps are not removed over ftp")
    }

    /// RFC 3986 percent-encoding of one path segment (unreserved characters kept).
    static func percentEncoded(_ segment: String) -> String {
        var text = ""
        for byte in segment.utf8 {
            switch byte {
            case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "0")...UInt8(ascii: "9"),
                 UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "_"), UInt8(ascii: "~"):
                text.unicodeScalars.append(Unicode.Scalar(byte))
            default:
                let hex = Array("0123456789ABCDEF")
                text += "%\(hex[Int(byte >> 4)])\(hex[Int(byte & 15)])"
            }
        }
        return text
    }
}

/// A file of `FtpDumpTransport` on its way.
struct FtpDumpUpload: DumpUpload {
    let transport: FtpDumpTransport
    let directory: [String]
    let name: String

    var partial: String { (directory + [name + ".incomplete"]).joined(separator: "/") }
    var final: String { (directory + [name]).joined(separator: "/") }

    func stream(from source: Int32) throws(KexecError) -> UInt64 {
        var upload = transport.request(transport.url(directory + [name + ".incomplete"], directory: false))
        upload.uploadFrom = source
        upload.createMissingDirectories = true
        return try transport.perform(upload, what: "uploading \(partial)").uploaded
    }

    func commit() throws(KexecError) {
        var rename = transport.request(transport.url([], directory: true))
        rename.noBody = true
        rename.quote = ["RNFR " + partial, "RNTO " + final]
        _ = try transport.perform(rename, what: "renaming \(partial)")
    }

    func abort() {
        var delete = transport.request(transport.url([], directory: true))
        delete.noBody = true
        delete.quote = ["DELE " + partial]
        _ = try? transport.perform(delete, what: "removing \(partial)")
    }
}
