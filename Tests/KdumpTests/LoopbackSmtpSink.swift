import Foundation
import Glibc

/// An SMTP server on 127.0.0.1 for one conversation, on a thread of its own: greets, offers AUTH PLAIN,
/// accepts everything, and records every line the client sent (the DATA lines included). The test then runs
/// the real libcurl against it: nothing leaves the loopback.
final class LoopbackSmtpSink: @unchecked Sendable {
    private var thread = pthread_t()
    private let listener: Int32
    let port: UInt16
    private(set) var received: [String] = []

    init() {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) } }
        listen(fd, 1)
        _ = withUnsafeMutablePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) } }
        listener = fd
        port = UInt16(bigEndian: address.sin_port)
    }

    func start() {
        let context = Unmanaged.passRetained(self).toOpaque()
        pthread_create(&thread, nil, { raw in
            let sink = Unmanaged<LoopbackSmtpSink>.fromOpaque(raw!).takeRetainedValue()
            sink.serve()
            return nil
        }, context)
    }

    /// Waits for the conversation to end; the lines the client sent, without their CRLF.
    func wait() -> [String] {
        pthread_join(thread, nil)
        close(listener)
        return received
    }

    private func serve() {
        let client = accept(listener, nil, nil)
        guard client >= 0 else { return }
        defer { close(client) }
        var timeout = timeval(tv_sec: 20, tv_usec: 0)
        setsockopt(client, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        func say(_ line: String) { _ = Array((line + "\r\n").utf8).withUnsafeBytes { send(client, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) } }
        var pending: [UInt8] = []
        func readLine() -> String? {
            while true {
                if let end = pending.firstIndex(of: 10) {
                    let line = String(decoding: pending[..<end], as: UTF8.self)
                    pending.removeSubrange(...end)
                    return line.hasSuffix("\r") ? String(line.dropLast()) : line
                }
                var chunk = [UInt8](repeating: 0, count: 4096)
                let n = chunk.withUnsafeMutableBytes { recv(client, $0.baseAddress, $0.count, 0) }
                guard n > 0 else { return nil }
                pending += chunk[..<n]
            }
        }
        say("220 sink ESMTP")
        var inData = false
        while let line = readLine() {
            received.append(line)
            if inData {
                if line == "." { inData = false; say("250 queued") }
                continue
            }
            let command = line.uppercased()
            if command.hasPrefix("EHLO") {
                say("250-sink")
                say("250 AUTH PLAIN")
            } else if command.hasPrefix("AUTH") {
                say("235 ok")
            } else if command.hasPrefix("DATA") {
                inData = true
                say("354 go")
            } else if command.hasPrefix("QUIT") {
                say("221 bye")
                return
            } else {
                say("250 ok")
            }
        }
    }
}
