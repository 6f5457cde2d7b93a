import Glibc
@testable import Kdump
import KexecCore
import LinuxSystem
import RebootPlan
import Synchronization
import Testing
import KrebootTestSupport
import FoundationEssentials

/// Records each request (and what its upload descriptor yields) instead of running libcurl; can fail one.
final class RecordingCurl: CurlPerforming {
    struct Seen: Sendable {
        var request: CurlRequest
        var uploaded: [UInt8]
    }

    private let state = Mutex<(seen: [Seen], failAt: Int?)>(([], nil))

    init(failAt: Int? = nil) { state.withLock { $0.failAt = failAt } }

    var seen: [Seen] { state.withLock { $0.seen } }

    func perform(_ request: CurlRequest) throws(CurlRequest.Failure) -> CurlRequest.Outcome {
        var bytes: [UInt8] = []
        if let fd = request.uploadFrom {
            var buffer = [UInt8](repeating: 0, count: 65_536)
            while true {
                let n = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
                if n <= 0 { break }
                bytes += buffer[0..<n]
            }
        }
        let index = state.withLock { state in
            state.seen.append(Seen(request: request, uploaded: bytes))
            return state.seen.count - 1
        }
        if state.withLock({ $0.failAt }) == index {
            throw CurlRequest.Failure(curlCode: 9, message: "Server denied you to change to the given directory", readErrno: 0)
        }
        return CurlRequest.Outcome(uploaded: UInt64(bytes.count), responseCode: 226)
    }
}

/// The ftp transport's requests (URLs, the rename that completes a file, credentials only to libcurl).
@Suite struct FtpDumpTransportTests {
    let secret = "s3cr:t/pw"

    func target() throws -> DumpTarget {
        try DumpTargetParser.parse("ftp://dump:s3cr%3At%2Fpw@[fd00::9]:2121/var/crash",
                                   option: "KDUMP_SAVEDIR", file: "/etc/sysconfig/kdump")
    }

    func pipeWith(_ text: String) -> Int32 {
        var fds: [Int32] = [-1, -1]
        _ = pipe(&fds)
        _ = Array(text.utf8).withUnsafeBytes { write(fds[1], $0.baseAddress, $0.count) }
        close(fds[1])
        return fds[0]
    }

    @Test func uploadsUnderAnIncompleteNameThenRenames() throws {
        let curl = RecordingCurl()
        let transport = FtpDumpTransport(target: try target(), performer: curl)
        try transport.prepare(directory: "2026-11-30-10:00")
        let upload = try transport.begin(directory: "2026-11-30-10:00", name: "vmcore")
        let source = pipeWith("flattened dump bytes")
        defer { close(source) }
        #expect(try upload.stream(from: source) == 20)
        try upload.commit()

        let seen = curl.seen
        #expect(seen.count == 3)
        #expect(seen[0].request.url == "ftp://[fd00::9]:2121/var/crash/2026-11-30-10%3A00/")
        #expect(seen[0].request.noBody && seen[0].request.createMissingDirectories)
        #expect(seen[1].request.url == "ftp://[fd00::9]:2121/var/crash/2026-11-30-10%3A00/vmcore.incomplete")
        #expect(String(decoding: seen[1].uploaded, as: UTF8.self) == "flattened dump bytes")
        #expect(seen[2].request.quote == ["RNFR var/crash/2026-11-30-10:00/vmcore.incomplete",
                                          "RNTO var/crash/2026-11-30-10:00/vmcore"])
        for request in seen.map(\.request) {
            #expect(request.protocols == "ftp")
            #expect(request.username == "dump")
            #expect(request.password == secret)
            #expect(!request.url.contains("s3cr"))
        }
        #expect(!transport.summary.contains("s3cr") && transport.summary.contains("***"))
    }

    @Test func aFailedStepNamesTheMaskedTargetAndTheServersReason() throws {
        let curl = RecordingCurl(failAt: 0)
        let transport = FtpDumpTransport(target: try target(), performer: curl)
        #expect {
            try transport.prepare(directory: "d")
        } throws: { error in
            let message = (error as? KexecError)?.description ?? ""
            return message.contains("ftp://dump:***@[fd00::9]:2121") && message.contains("Server denied") && !message.contains("s3cr")
        }
    }

    @Test func anAbortDeletesTheIncompleteFile() throws {
        let curl = RecordingCurl()
        let upload = try FtpDumpTransport(target: try target(), performer: curl).begin(directory: "d", name: "dmesg.txt")
        upload.abort()
        #expect(curl.seen.last?.request.quote == ["DELE var/crash/d/dmesg.txt.incomplete"])
    }

    @Test func theTransportsPickFtp() throws {
        #expect(try DumpTransports.make(for: try target()) is FtpDumpTransport)
    }
}
