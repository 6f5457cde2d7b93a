@testable import Quiesce
import LinuxSystem
import KrebootTestSupport
import Foundation
import Glibc
import Synchronization
import Testing

/// A varlink server on a socket in a temporary directory: accepts `connections` connections one after the
/// other, records each request, answers each with `reply`.
final class FakeVarlinkServer: Sendable {
    let path: String
    private let listener: Int32
    private let received = Mutex<[[UInt8]]>([])

    init(reply: String, connections: Int = 1) throws {
        let path = FileManager.default.temporaryDirectory.path + "/kreboot-varlink-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        self.path = path
        let fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        withUnsafeMutableBytes(of: &address.sun_path) { $0.copyBytes(from: Array(path.utf8)) }
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
        }
        try #require(fd >= 0 && bound == 0 && listen(fd, 1) == 0)
        listener = fd
        serve(reply: Array(reply.utf8) + [0], connections: connections)
    }

    private func serve(reply replyBytes: [UInt8], connections: Int) {
        let fd = listener
        Thread.detachNewThread { [self] in
            for _ in 0..<connections {
                let client = accept(fd, nil, nil)
                guard client >= 0 else { return }
                var request: [UInt8] = []
                var byte: UInt8 = 0
                while recv(client, &byte, 1, 0) == 1 && byte != 0 { request.append(byte) }
                received.withLock { $0.append(request) }
                _ = replyBytes.withUnsafeBytes { send(client, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
                Glibc.close(client)
            }
        }
    }

    /// Every request received, in order, without their NUL terminators.
    var requests: [String] { received.withLock { $0.map { String(decoding: $0, as: UTF8.self) } } }

    /// The request received, without its NUL terminator.
    var request: String? { requests.last }

    func close() {
        Glibc.close(listener)
        unlink(path)
    }
}

@Suite struct ServiceManagerTests {
    /// `journalctl --sync --relinquish-var`: what was sent so far is written to /var first, then journald leaves it.
    @Test func relinquishJournalSendsTheVarlinkCallsJournalctlSends() throws {
        let server = try FakeVarlinkServer(reply: #"{"parameters":{}}"#, connections: 2)
        defer { server.close() }
        try SystemdServiceManager(journalSocket: server.path).relinquishJournal()
        let objects = try server.requests.map { request in
            try #require(try JSONSerialization.jsonObject(with: Data(request.utf8)) as? [String: Any])
        }
        #expect(objects.map { $0["method"] as? String } == ["io.systemd.Journal.Synchronize", "io.systemd.Journal.RelinquishVar"])
        #expect(objects.allSatisfy { ($0["parameters"] as? [String: Any])?.isEmpty == true })
    }

    @Test func aVarlinkErrorReplyThrowsWithTheErrorName() throws {
        let server = try FakeVarlinkServer(reply: #"{"error":"io.systemd.Journal.NotSupportedByNamespaces","parameters":{}}"#)
        defer { server.close() }
        let error = #expect(throws: QuiesceError.self) {
            try SystemdServiceManager(journalSocket: server.path).flushJournal()
        }
        #expect(error?.busError == "io.systemd.Journal.NotSupportedByNamespaces")
        #expect(server.request?.contains("io.systemd.Journal.FlushToVar") == true)
    }

    @Test func noJournaldSocketIsUnavailable() {
        let error = #expect(throws: QuiesceError.self) {
            try SystemdServiceManager(journalSocket: "/nonexistent/io.systemd.journal").relinquishJournal()
        }
        #expect(error?.code == .unavailable)
        #expect(error?.errno == .noSuchFileOrDirectory)
    }

    static let hostHasSystemd = FileManager.default.fileExists(atPath: "/run/systemd/system")

    /// Read-only queries against the host's systemd and logind; never starts or stops anything.
    @Test(.enabled(if: hostHasSystemd, "the host does not run systemd (/run/systemd/system is missing)"))
    func readsTheHostsDefaultTargetAndSessions() throws {
        let manager = SystemdServiceManager()
        let target = try manager.defaultTarget()
        #expect(target.hasSuffix(".target"))
        _ = try manager.sessions()
        _ = try manager.inhibitors()
    }
}

/// SystemdServiceManager against FakeSystemdPeer: the real sd-bus marshalling, private-socket connection
/// (no Hello), JobRemoved wait, and bus-client connection (Hello) for logind.
@Suite struct SystemdServiceManagerBusTests {
    @Test func isolateStartsTheUnitInIsolateModeAndWaitsForItsJob() throws {
        let peer = try FakeSystemdPeer()
        defer { peer.close() }
        let manager = SystemdServiceManager(privateSocket: peer.path, usePrivateSocket: true, jobTimeout: .seconds(10))
        try manager.isolate(unit: "rescue.target")
        #expect(peer.calls.contains("StartUnit rescue.target isolate"))
        #expect(!peer.calls.contains("Hello"))
        #expect(try manager.defaultTarget() == "multi-user.target")
    }

    @Test func aJobThatDoesNotEndDoneIsAnError() throws {
        let peer = try FakeSystemdPeer(jobResult: "dependency")
        defer { peer.close() }
        let manager = SystemdServiceManager(privateSocket: peer.path, usePrivateSocket: true, jobTimeout: .seconds(10))
        let error = #expect(throws: QuiesceError.self) { try manager.isolate(unit: "rescue.target") }
        #expect(error?.busError == "dependency")
        #expect(error?.message.contains("dependency") == true)
    }

    @Test func theProcessMovesIntoAScopeThatIgnoresIsolates() throws {
        let peer = try FakeSystemdPeer()
        defer { peer.close() }
        let manager = SystemdServiceManager(privateSocket: peer.path, usePrivateSocket: true, jobTimeout: .seconds(10))
        try manager.moveIntoTransientScope(name: "kreboot-run-1.scope", pid: 4242,
                                           properties: [UnitProperty("Description", .string("kreboot run 1"))])
        let calls = peer.calls
        #expect(calls.contains("StartTransientUnit kreboot-run-1.scope fail"))
        #expect(calls.contains("PIDs=[4242]"))
        #expect(calls.contains("IgnoreOnIsolate=true"))
        #expect(calls.contains("Description=kreboot run 1"))
        #expect(!calls.contains { $0.hasPrefix("ExecStart") })
    }

    @Test func sessionsAndInhibitorsComeFromLogind() throws {
        let peer = try FakeSystemdPeer()
        defer { peer.close() }
        let manager = SystemdServiceManager(systemBusAddress: peer.address)
        let sessions = try manager.sessions()
        #expect(sessions == [LoginSession(id: "3", user: "alice", uid: 1000, type: "tty", tty: "pts/0", remoteHost: "192.0.2.7")])
        let inhibitors = try manager.inhibitors()
        #expect(inhibitors.map(\.blocksShutdown) == [true, false])
        #expect(inhibitors.first?.pid == 321)
    }

    @Test func anUnreachablePrivateSocketIsAnErrorNamingIt() {
        let error = #expect(throws: QuiesceError.self) {
            _ = try BusConnection.systemdPrivate(socket: "/nonexistent/private")
        }
        #expect(error?.errno == .noSuchFileOrDirectory)
        #expect(error?.message.contains("/nonexistent/private") == true)
    }
}
