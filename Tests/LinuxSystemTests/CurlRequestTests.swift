import FoundationEssentials
import Glibc
import LinuxSystem
import Testing

/// libcurl opened at run time, exercised without any network: an upload through `file://` streams what a
/// pipe yields, and a URL whose protocol is not allowed is refused by libcurl itself.
@Suite struct CurlRequestTests {
    func directory() -> String {
        let path = "/tmp/kreboot-curl-" + UUID().uuidString
        mkdir(path, 0o700)
        return path
    }

    @Test func libcurlIsThere() {
        #expect(CurlRequest.unavailableReason() == nil)
    }

    @Test func uploadsWhatAPipeYields() throws {
        let dir = directory()
        mkdir(dir + "/sub", 0o700)
        defer { _ = try? FileManager.default.removeItem(atPath: dir) }
        var fds: [Int32] = [-1, -1]
        #expect(pipe(&fds) == 0)
        let payload = Array((0..<40_000).map { UInt8(truncatingIfNeeded: $0 * 7) })
        let writer = PipeWriter(bytes: payload, fd: fds[1])
        writer.start()
        var request = CurlRequest(url: "file://\(dir)/sub/vmcore.incomplete", protocols: "file")
        request.uploadFrom = fds[0]
        let outcome = try request.perform()
        writer.wait()
        close(fds[0])
        #expect(outcome.uploaded == UInt64(payload.count))
        let written = try #require(FileManager.default.contents(atPath: "\(dir)/sub/vmcore.incomplete"))
        #expect(Array(written) == payload)
    }

    @Test func aProtocolOutsideTheAllowedOnesIsRefused() {
        var request = CurlRequest(url: "file:///etc/hostname", protocols: "ftp")
        request.noBody = true
        #expect {
            try request.perform()
        } throws: { error in
            guard let failure = error as? CurlRequest.Failure else { return false }
            return failure.curlCode == 1  // CURLE_UNSUPPORTED_PROTOCOL
        }
    }

    @Test func aServerThatIsNotThereFailsWithLibcurlsReason() {
        // A unix path that does not exist as the upload target's directory: no network involved.
        var fds: [Int32] = [-1, -1]
        #expect(pipe(&fds) == 0)
        close(fds[1])
        defer { close(fds[0]) }
        var request = CurlRequest(url: "file:///nonexistent-kreboot-dir/x/y", protocols: "file")
        request.uploadFrom = fds[0]
        #expect {
            try request.perform()
        } throws: { error in
            guard let failure = error as? CurlRequest.Failure else { return false }
            return failure.curlCode != 0 && !failure.message.isEmpty
        }
    }
}

/// Writes `bytes` into a pipe from a thread of its own, then closes it (a pipe holds 64 KiB; the reader is
/// libcurl on the test's thread).
private final class PipeWriter: @unchecked Sendable {
    private var thread = pthread_t()
    let bytes: [UInt8]
    let fd: Int32

    init(bytes: [UInt8], fd: Int32) {
        self.bytes = bytes
        self.fd = fd
    }

    func start() {
        let context = Unmanaged.passRetained(self).toOpaque()
        pthread_create(&thread, nil, { raw in
            let writer = Unmanaged<PipeWriter>.fromOpaque(raw!).takeRetainedValue()
            var offset = 0
            while offset < writer.bytes.count {
                let n = writer.bytes[offset...].withUnsafeBytes { write(writer.fd, $0.baseAddress, $0.count) }
                if n <= 0 { break }
                offset += n
            }
            close(writer.fd)
            return nil
        }, context)
    }

    func wait() { pthread_join(thread, nil) }
}
