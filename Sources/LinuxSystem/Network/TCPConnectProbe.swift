#if canImport(Glibc)
import Glibc
#endif

/// Whether a TCP server answers: a non-blocking connect(2) to an address and port, bounded by a timeout, then
/// closed. Used before mounting or streaming a dump to a server, so a dead server fails the save in bounded
/// time with a clear reason instead of hanging the capture boot in the kernel's mount.
public enum TCPConnectProbe {
    /// How the attempt ended.
    public enum Outcome: Sendable, Equatable {
        /// The server accepted the connection.
        case connected
        /// No answer within the timeout.
        case timedOut
        /// Refused or failed at once (the errno's description).
        case failed(String)
        /// The address is not a numeric IPv4 or IPv6 address.
        case badAddress
    }

    /// Connects to `address` (numeric) on `port`, waiting at most `timeoutMilliseconds`.
    public static func connect(address: String, port: UInt16, timeoutMilliseconds: Int32) -> Outcome {
        var storage = sockaddr_storage()
        var length: socklen_t
        let family: Int32
        if address.contains(":") {
            var sin6 = sockaddr_in6()
            sin6.sin6_family = sa_family_t(AF_INET6)
            sin6.sin6_port = port.bigEndian
            guard inet_pton(AF_INET6, address, &sin6.sin6_addr) == 1 else { return .badAddress }
            withUnsafeMutableBytes(of: &storage) { dst in withUnsafeBytes(of: sin6) { dst.copyMemory(from: $0) } }
            length = socklen_t(MemoryLayout<sockaddr_in6>.size)
            family = AF_INET6
        } else {
            var sin = sockaddr_in()
            sin.sin_family = sa_family_t(AF_INET)
            sin.sin_port = port.bigEndian
            guard inet_pton(AF_INET, address, &sin.sin_addr) == 1 else { return .badAddress }
            withUnsafeMutableBytes(of: &storage) { dst in withUnsafeBytes(of: sin) { dst.copyMemory(from: $0) } }
            length = socklen_t(MemoryLayout<sockaddr_in>.size)
            family = AF_INET
        }
        let fd = socket(family, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_NONBLOCK.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { return .failed(String(cString: strerror(errno))) }
        defer { close(fd) }
        let started = withUnsafePointer(to: &storage) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { Glibc.connect(fd, $0, length) }
        }
        if started == 0 { return .connected }
        guard errno == EINPROGRESS else { return .failed(String(cString: strerror(errno))) }
        var poller = pollfd(fd: fd, events: Int16(POLLOUT), revents: 0)
        var ready: Int32
        repeat { ready = poll(&poller, 1, timeoutMilliseconds) } while ready < 0 && errno == EINTR
        guard ready > 0 else { return ready == 0 ? .timedOut : .failed(String(cString: strerror(errno))) }
        var error: Int32 = 0
        var size = socklen_t(MemoryLayout<Int32>.size)
        guard getsockopt(fd, SOL_SOCKET, SO_ERROR, &error, &size) == 0 else { return .failed(String(cString: strerror(errno))) }
        return error == 0 ? .connected : .failed(String(cString: strerror(error)))
    }
}
