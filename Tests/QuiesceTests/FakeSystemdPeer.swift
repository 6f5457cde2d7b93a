@testable import Quiesce
import LinuxSystem
import KrebootTestSupport
import CSystemd
import Foundation
import Glibc

/// A stand-in for systemd's private socket and for logind on a bus, served by sd-bus in server mode on a
/// socket in a temporary directory. It answers the calls SystemdServiceManager makes and sends JobRemoved
/// signals, so the real sd-bus code path runs without touching the host's systemd.
final class FakeSystemdPeer: @unchecked Sendable {
    let path: String
    var address: String { "unix:path=\(path)" }
    let defaultTarget: String
    let jobResult: String
    private let listener: Int32
    private let lock = NSLock()
    private var recorded: [String] = []

    /// Calls received, one line each: `StartUnit rescue.target isolate`, `PIDs=[42]`, ….
    var calls: [String] { lock.withLock { recorded } }

    init(defaultTarget: String = "multi-user.target", jobResult: String = "done") throws {
        let path = FileManager.default.temporaryDirectory.path + "/kreboot-bus-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        self.path = path
        self.defaultTarget = defaultTarget
        self.jobResult = jobResult
        let fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        withUnsafeMutableBytes(of: &address.sun_path) { $0.copyBytes(from: Array(path.utf8)) }
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
        }
        guard fd >= 0, bound == 0, listen(fd, 4) == 0 else { throw QuiesceError(.failed, operation: "fake bus", "bind \(path)") }
        listener = fd
        acceptLoop()
    }

    func close() {
        shutdown(listener, Int32(SHUT_RDWR))
        Glibc.close(listener)
        unlink(path)
    }

    private func acceptLoop() {
        let listener = self.listener
        Thread.detachNewThread { [self] in
            while true {
                let client = accept(listener, nil, nil)
                if client < 0 { return }
                Thread.detachNewThread { [self] in serve(client) }
            }
        }
    }

    /// Runs an sd-bus server on one accepted connection until the client goes away.
    private func serve(_ fd: Int32) {
        var bus: OpaquePointer?
        guard sd_bus_new(&bus) >= 0, let bus else { return }
        defer { sd_bus_flush_close_unref(bus) }
        var id = sd_id128_t()
        _ = sd_id128_randomize(&id)
        guard sd_bus_set_fd(bus, fd, fd) >= 0, sd_bus_set_server(bus, 1, id) >= 0,
              sd_bus_add_filter(bus, nil, fakeBusFilter, Unmanaged.passUnretained(self).toOpaque()) >= 0,
              sd_bus_start(bus) >= 0 else { return }
        while true {
            let r = sd_bus_process(bus, nil)
            if r < 0 { return }
            if r > 0 { continue }
            if sd_bus_wait(bus, 1_000_000) < 0 { return }
        }
    }

    private func record(_ line: String) { lock.withLock { recorded.append(line) } }

    /// Answers one method call; returns 1 when handled.
    fileprivate func handle(_ raw: OpaquePointer) -> Int32 {
        guard sd_bus_message_is_method_call(raw, nil, nil) > 0, let bus = sd_bus_message_get_bus(raw),
              let memberName = sd_bus_message_get_member(raw) else { return 0 }
        let member = String(cString: memberName)
        let call = BusMessage(retaining: raw)
        do {
            var reply: OpaquePointer?
            guard sd_bus_message_new_method_return(raw, &reply) >= 0, let reply else { return 0 }
            let answer = BusMessage(taking: reply)
            var removedJob: (path: String, unit: String)?
            switch member {
            case "Hello":
                try answer.append(":1.42")
            case "AddMatch", "Subscribe":
                record(member)
            case "GetDefaultTarget":
                record(member)
                try answer.append(defaultTarget)
            case "StartUnit":
                let unit = try call.readString()
                let mode = try call.readString()
                record("StartUnit \(unit) \(mode)")
                removedJob = ("/org/freedesktop/systemd1/job/7", unit)
                try answer.append(objectPath: removedJob!.path)
            case "StartTransientUnit":
                let unit = try call.readString()
                let mode = try call.readString()
                record("StartTransientUnit \(unit) \(mode)")
                try readProperties(call)
                removedJob = ("/org/freedesktop/systemd1/job/8", unit)
                try answer.append(objectPath: removedJob!.path)
            case "ListSessions":
                record(member)
                try answer.open("a", "(susso)")
                try answer.open("r", "susso")
                try answer.append("3")
                try answer.append(UInt32(1000))
                try answer.append("alice")
                try answer.append("")
                try answer.append(objectPath: "/org/freedesktop/login1/session/_33")
                try answer.close()
                try answer.close()
            case "ListInhibitors":
                record(member)
                try answer.open("a", "(ssssuu)")
                for (what, mode) in [("shutdown:sleep", "block"), ("shutdown", "delay")] {
                    try answer.open("r", "ssssuu")
                    for value in [what, "backup", "copying", mode] { try answer.append(value) }
                    try answer.append(UInt32(0))
                    try answer.append(UInt32(321))
                    try answer.close()
                }
                try answer.close()
            case "Get":
                _ = try call.readString()
                let property = try call.readString()
                let values = ["Name": "alice", "Type": "tty", "TTY": "pts/0", "RemoteHost": "192.0.2.7"]
                try answer.open("v", "s")
                try answer.append(values[property] ?? "")
                try answer.close()
            default:
                return 0
            }
            guard sd_bus_send(bus, answer.handle, nil) >= 0 else { return 0 }
            if let removedJob { try sendJobRemoved(bus, job: removedJob.path, unit: removedJob.unit) }
            return 1
        } catch {
            record("error: \(error.message)")
            return 0
        }
    }

    /// Records a(sv) properties as `NAME=value` lines (`PIDs=[42]` for arrays of integers).
    private func readProperties(_ call: BusMessage) throws(QuiesceError) {
        _ = try call.enter("a", "(sv)")
        while try call.enter("r", "sv") {
            let name = try call.readString()
            let contents = try call.peek()?.contents ?? ""
            _ = try call.enter("v", contents)
            switch contents {
            case "s": record("\(name)=\(try call.readString())")
            case "b": record("\(name)=\(try call.readBool())")
            case "au":
                _ = try call.enter("a", "u")
                var values: [UInt32] = []
                while try call.peek() != nil { values.append(try call.readUInt32()) }
                try call.exit()
                record("\(name)=\(values)")
            default: record("\(name)=(\(contents))")
            }
            try call.exit()
            try call.exit()
        }
        try call.exit()
    }

    private func sendJobRemoved(_ bus: OpaquePointer, job: String, unit: String) throws(QuiesceError) {
        var signal: OpaquePointer?
        guard sd_bus_message_new_signal(bus, &signal, "/org/freedesktop/systemd1", "org.freedesktop.systemd1.Manager",
                                        "JobRemoved") >= 0, let signal else { return }
        let message = BusMessage(taking: signal)
        try message.append(UInt32(7))
        try message.append(objectPath: job)
        try message.append(unit)
        try message.append(jobResult)
        _ = sd_bus_send(bus, message.handle, nil)
    }
}

private func fakeBusFilter(_ message: OpaquePointer?, _ userdata: UnsafeMutableRawPointer?,
                           _ error: UnsafeMutablePointer<sd_bus_error>?) -> Int32 {
    guard let message, let userdata else { return 0 }
    return Unmanaged<FakeSystemdPeer>.fromOpaque(userdata).takeUnretainedValue().handle(message)
}
