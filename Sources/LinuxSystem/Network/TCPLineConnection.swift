#if canImport(Glibc)
import Glibc
#endif

/// A blocking TCP connection for line protocols (SMTP): connect(2) bounded by a timeout, then lines written
/// with CRLF and read until CRLF, each read bounded by the same timeout (SO_RCVTIMEO). Closed by `close()`.
public final class TCPLineConnection {
    private let fd: Int32
    private var buffer: [UInt8] = []

    /// Connects to `address` (numeric IPv4 or IPv6) on `port`; nil with the reason when it cannot.
    public static func open(address: String, port: UInt16, timeoutSeconds: Int) -> Result<TCPLineConnection, TCPLineError> {
        let family = address.contains(":") ? AF_INET6 : AF_INET
        let fd = socket(family, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { return .failure(TCPLineError(String(cString: strerror(errno)))) }
        var timeout = timeval(tv_sec: timeoutSeconds, tv_usec: 0)
        _ = setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        _ = setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        var storage = sockaddr_storage()
        let length: socklen_t
        if family == AF_INET6 {
            var sin6 = sockaddr_in6()
            sin6.sin6_family = sa_family_t(AF_INET6)
            sin6.sin6_port = port.bigEndian
            guard inet_pton(AF_INET6, address, &sin6.sin6_addr) == 1 else { _ = Glibc.close(fd); return .failure(TCPLineError("\(address) is not an address")) }
            withUnsafeMutableBytes(of: &storage) { dst in withUnsafeBytes(of: sin6) { dst.copyMemory(from: $0) } }
            length = socklen_t(MemoryLayout<sockaddr_in6>.size)
        } else {
            var sin = sockaddr_in()
            sin.sin_family = sa_family_t(AF_INET)
            sin.sin_port = port.bigEndian
            guard inet_pton(AF_INET, address, &sin.sin_addr) == 1 else { _ = Glibc.close(fd); return .failure(TCPLineError("\(address) is not an address")) }
            withUnsafeMutableBytes(of: &storage) { dst in withUnsafeBytes(of: sin) { dst.copyMemory(from: $0) } }
            length = socklen_t(MemoryLayout<sockaddr_in>.size)
        }
        // SO_SNDTIMEO bounds a blocking connect(2) too.
        let connected = withUnsafePointer(to: &storage) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, length) } }
        guard connected == 0 else {
            let reason = String(cString: strerror(errno))
            _ = Glibc.close(fd)
            return .failure(TCPLineError(reason))
        }
        return .success(TCPLineConnection(fd: fd))
    }

    private init(fd: Int32) { self.fd = fd }
    deinit { close() }

    private var closed = false

    /// Closes the connection (once).
    public func close() {
        guard !closed else { return }
        closed = true
        _ = Glibc.close(fd)
    }

    /// Writes `line` and CRLF.
    public func send(_ line: String) throws(TCPLineError) {
        let bytes = Array(line.utf8) + [13, 10]
        var offset = 0
        while offset < bytes.count {
            let n = bytes.withUnsafeBytes { write(fd, $0.baseAddress! + offset, bytes.count - offset) }
            if n < 0 {
                if errno == EINTR { continue }
                throw TCPLineError(String(cString: strerror(errno)))
            }
            offset += n
        }
    }

    /// Reads one line (without CRLF); throws on a timeout or a closed connection.
    public func readLine() throws(TCPLineError) -> String {
        while true {
            if let end = buffer.firstIndex(of: 10) {
                var line = Array(buffer[..<end])
                buffer.removeFirst(end + 1)
                if line.last == 13 { line.removeLast() }
                return String(decoding: line, as: UTF8.self)
            }
            var chunk = [UInt8](repeating: 0, count: 4096)
            let n = chunk.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            if n < 0 {
                if errno == EINTR { continue }
                throw TCPLineError(errno == EAGAIN ? "no answer (timed out)" : String(cString: strerror(errno)))
            }
            if n == 0 { throw TCPLineError("the server closed the connection") }
            buffer += chunk[..<n]
            if buffer.count > 1 << 20 { throw TCPLineError("a line longer than 1 MiB") }
        }
    }
}

/// Why a `TCPLineConnection` failed.
public struct TCPLineError: Error, Sendable, Equatable {
    public var reason: String
    public init(_ reason: String) { self.reason = reason }
}
