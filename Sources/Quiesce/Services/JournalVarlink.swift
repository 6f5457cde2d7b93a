import LinuxSystem
import FoundationEssentials
import Glibc
import SystemPackage

/// A minimal varlink client for journald's control socket: one JSON object terminated by NUL each way.
/// This is how `journalctl --relinquish-var` and `--flush` talk to journald (systemd ≥ 248).
enum JournalVarlink {
    /// journald's varlink socket.
    static let defaultSocket = "/run/systemd/journal/io.systemd.journal"

    /// Calls `method` (e.g. `io.systemd.Journal.RelinquishVar`) without parameters and waits for the reply.
    static func call(_ method: String, socket path: String = defaultSocket,
                     timeout: Duration = .seconds(60)) throws(QuiesceError) {
        let operation = "varlink \(method)"
        let fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { throw QuiesceError.fromErrno(operation: operation, path: path) }
        defer { close(fd) }

        var seconds = timeval(tv_sec: Int(timeout.components.seconds), tv_usec: 0)
        _ = setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &seconds, socklen_t(MemoryLayout<timeval>.size))
        _ = setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &seconds, socklen_t(MemoryLayout<timeval>.size))

        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        let pathBytes = Array(path.utf8)
        guard pathBytes.count < MemoryLayout.size(ofValue: address.sun_path) else {
            throw QuiesceError(.failed, operation: operation, path: path, "\(operation): socket path too long: \(path)")
        }
        withUnsafeMutableBytes(of: &address.sun_path) { $0.copyBytes(from: pathBytes) }
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                connect(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size))
            }
        }
        guard connected == 0 else { throw QuiesceError.fromErrno(operation: operation, path: path) }

        let request = Array("{\"method\":\"\(method)\",\"parameters\":{}}".utf8) + [0]
        var sent = 0
        while sent < request.count {
            let n = request[sent...].withUnsafeBytes { send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            if n < 0 && errno == EINTR { continue }
            guard n > 0 else { throw QuiesceError.fromErrno(operation: operation, path: path) }
            sent += n
        }

        var reply: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 4096)
        while !reply.contains(0) {
            let n = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            if n < 0 && errno == EINTR { continue }
            if n < 0 { throw QuiesceError.fromErrno(operation: operation, path: path) }
            if n == 0 {
                throw QuiesceError(.failed, operation: operation, path: path, errno: .connectionReset,
                                   "\(operation): journald closed \(path) without a reply")
            }
            reply += buffer[0..<n]
        }
        let json = Data(reply.prefix { $0 != 0 })
        guard let object = try? JSONDecoder().decode(Reply.self, from: json) else {
            throw QuiesceError(.failed, operation: operation, path: path, "\(operation): unreadable reply from \(path)")
        }
        if let error = object.error {
            throw QuiesceError(.failed, operation: operation, path: path, busError: error,
                               "\(operation): journald answered \(error)")
        }
    }

    /// A varlink reply: `{"parameters": {}}`, or `{"error": "io.systemd.…", …}` on failure.
    private struct Reply: Decodable {
        let error: String?
    }
}
