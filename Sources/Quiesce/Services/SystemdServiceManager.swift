internal import CSystemd
import Glibc
import LinuxSystem
import FoundationEssentials

/// The real `ServiceManager`: systemd and logind over sd-bus, journald over varlink.
///
/// As root, systemd is reached over its private socket (/run/systemd/private), the way systemctl does it,
/// because an isolate to rescue.target stops dbus-daemon. logind needs the system bus, so sessions and
/// inhibitors must be read before the isolate.
public final class SystemdServiceManager: ServiceManager, @unchecked Sendable {
    private struct Connections {
        var systemd: BusConnection?
        var system: BusConnection?
    }

    private static let systemd1 = "org.freedesktop.systemd1"
    private static let managerPath = "/org/freedesktop/systemd1"
    private static let managerInterface = "org.freedesktop.systemd1.Manager"
    private static let login1 = "org.freedesktop.login1"
    private static let loginPath = "/org/freedesktop/login1"
    private static let loginManager = "org.freedesktop.login1.Manager"

    /// sd-bus connections are not thread-safe: every use of `connections` holds `lock`.
    private let lock = Lock()
    private var connections = Connections()
    private let privateSocket: String
    private let usePrivateSocket: Bool
    private let journalSocket: String
    private let systemBusAddress: String?
    private let jobTimeout: Duration

    /// - Parameters:
    ///   - privateSocket: systemd's private socket, used for every systemd1 call when `usePrivateSocket` is true.
    ///   - usePrivateSocket: defaults to whether the process runs as root (only root may use the private socket).
    ///   - journalSocket: journald's varlink socket.
    ///   - systemBusAddress: a D-Bus address (`unix:path=…`) to use instead of the system bus; nil for the system bus.
    ///   - jobTimeout: how long to wait for an isolate or start job to finish.
    public init(privateSocket: String = "/run/systemd/private", usePrivateSocket: Bool = geteuid() == 0,
                journalSocket: String = "/run/systemd/journal/io.systemd.journal", systemBusAddress: String? = nil,
                jobTimeout: Duration = .seconds(300)) {
        self.privateSocket = privateSocket
        self.usePrivateSocket = usePrivateSocket
        self.journalSocket = journalSocket
        self.systemBusAddress = systemBusAddress
        self.jobTimeout = jobTimeout
    }

    /// Runs `body` with the connection to systemd, connecting on first use: the private socket as root,
    /// else (or when it cannot be reached) the system bus.
    private func withSystemd<T>(_ body: (BusConnection) throws(QuiesceError) -> T) throws(QuiesceError) -> T {
        try lock.withLock { () throws(QuiesceError) -> T in
            if connections.systemd == nil {
                if usePrivateSocket, let bus = try? BusConnection.systemdPrivate(socket: privateSocket) {
                    connections.systemd = bus
                } else {
                    connections.systemd = try BusConnection.systemBus(address: systemBusAddress)
                }
            }
            return try body(connections.systemd!)
        }
    }

    /// Runs `body` with the system bus (for logind), connecting on first use.
    private func withSystemBus<T>(_ body: (BusConnection) throws(QuiesceError) -> T) throws(QuiesceError) -> T {
        try lock.withLock { () throws(QuiesceError) -> T in
            if connections.system == nil { connections.system = try BusConnection.systemBus(address: systemBusAddress) }
            return try body(connections.system!)
        }
    }

    /// Isolates `unit`: Manager.StartUnit(unit, "isolate"), then waits for the job's JobRemoved signal and
    /// for the jobs ordered after it to finish (rescue.target's `systemd-update-utmp-runlevel.service` writes
    /// /var/log/wtmp just after the target is reached, which would make `/` busy for a remount), and for the
    /// stop jobs not ordered against it: a database still shutting down keeps /var busy. As long as systemd's
    /// default stop timeout (90 s): measured, PostgreSQL 15 took longer than 10 s to stop on a loaded host.
    /// The corresponding command is `systemctl isolate UNIT`.
    public func isolate(unit: String) throws(QuiesceError) {
        try withSystemd { bus throws(QuiesceError) in
            try runJob(on: bus, unit: unit, member: "StartUnit", operation: "isolate \(unit)") { message throws(QuiesceError) in
                try message.append(unit)
                try message.append("isolate")
            }
            waitForEmptyJobQueue(on: bus, timeout: .seconds(90))
        }
    }

    /// Polls Manager.ListJobs until no job is queued or `timeout` passes; a failing call ends the wait.
    private func waitForEmptyJobQueue(on bus: BusConnection, timeout: Duration) {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            guard let call = try? bus.methodCall(Self.systemd1, Self.managerPath, Self.managerInterface, "ListJobs"),
                  let reply = try? bus.call(call, operation: "ListJobs"),
                  let queued = try? reply.enter("a", "(usssoo)"), queued,
                  (try? reply.peek()) != nil else { return }
            usleep(50_000)
        }
    }

    /// Manager.StartUnit(unit, mode) without waiting for the job. The corresponding command is
    /// `systemctl --no-block start --job-mode=MODE UNIT` (what `systemctl kexec` does with kexec.target).
    public func enqueueStart(unit: String, mode: String) throws(QuiesceError) {
        try withSystemd { bus throws(QuiesceError) in
            let call = try bus.methodCall(Self.systemd1, Self.managerPath, Self.managerInterface, "StartUnit")
            try call.append(unit)
            try call.append(mode)
            _ = try bus.call(call, operation: "start \(unit)").readString("o")
        }
    }

    /// Manager.StartUnit(unit, "replace"), then waits for the job (up to `jobTimeout`); a job that ends
    /// other than `done` throws. The corresponding command is `systemctl start UNIT`.
    public func start(unit: String) throws(QuiesceError) {
        try withSystemd { bus throws(QuiesceError) in
            try runJob(on: bus, unit: unit, member: "StartUnit", operation: "start \(unit)") { message throws(QuiesceError) in
                try message.append(unit)
                try message.append("replace")
            }
        }
    }

    /// Manager.Reboot: systemd stops no service, it kills the processes, unmounts the file systems (or remounts
    /// them read-only), detaches loop and DM devices, syncs and reboots. The corresponding command is
    /// `systemctl reboot --force` (kdump-tools' `reboot -f` after its save).
    public func rebootSkippingServices() throws(QuiesceError) {
        try withSystemd { bus throws(QuiesceError) in
            let call = try bus.methodCall(Self.systemd1, Self.managerPath, Self.managerInterface, "Reboot")
            _ = try bus.call(call, operation: "Reboot")
        }
    }

    /// Manager.GetDefaultTarget. The corresponding command is `systemctl get-default`.
    public func defaultTarget() throws(QuiesceError) -> String {
        try withSystemd { bus throws(QuiesceError) in
            let call = try bus.methodCall(Self.systemd1, Self.managerPath, Self.managerInterface, "GetDefaultTarget")
            return try bus.call(call, operation: "GetDefaultTarget").readString()
        }
    }

    /// login1 Manager.ListSessions, with each session's Name, Type, TTY and RemoteHost properties.
    /// The corresponding command is `loginctl list-sessions`.
    public func sessions() throws(QuiesceError) -> [LoginSession] {
        try withSystemBus { bus throws(QuiesceError) in
            let call = try bus.methodCall(Self.login1, Self.loginPath, Self.loginManager, "ListSessions")
            let reply = try bus.call(call, operation: "ListSessions")
            var listed: [(id: String, uid: UInt32, user: String, path: String)] = []
            _ = try reply.enter("a", "(susso)")
            while try reply.enter("r", "susso") {
                let id = try reply.readString()
                let uid = try reply.readUInt32()
                let user = try reply.readString()
                _ = try reply.readString() // seat
                let path = try reply.readString("o")
                try reply.exit()
                listed.append((id, uid, user, path))
            }
            try reply.exit()
            return listed.map { session in
                // A session may end between the list and the property reads; keep what the list said.
                func property(_ name: String) -> String? {
                    let value = try? bus.stringProperty(Self.login1, session.path, "org.freedesktop.login1.Session", name)
                    return value?.isEmpty == false ? value : nil
                }
                return LoginSession(id: session.id, user: property("Name") ?? session.user, uid: session.uid,
                                    type: property("Type") ?? "unspecified", tty: property("TTY"),
                                    remoteHost: property("RemoteHost"))
            }
        }
    }

    /// login1 Manager.ListInhibitors. The corresponding command is `systemd-inhibit --list`.
    public func inhibitors() throws(QuiesceError) -> [Inhibitor] {
        try withSystemBus { bus throws(QuiesceError) in
            let call = try bus.methodCall(Self.login1, Self.loginPath, Self.loginManager, "ListInhibitors")
            let reply = try bus.call(call, operation: "ListInhibitors")
            var result: [Inhibitor] = []
            _ = try reply.enter("a", "(ssssuu)")
            while try reply.enter("r", "ssssuu") {
                let what = try reply.readString()
                let who = try reply.readString()
                let why = try reply.readString()
                let mode = try reply.readString()
                let uid = try reply.readUInt32()
                let pid = try reply.readUInt32()
                try reply.exit()
                result.append(Inhibitor(what: what, who: who, why: why, mode: mode, uid: uid, pid: pid))
            }
            try reply.exit()
            return result
        }
    }

    /// Manager.StartTransientUnit(name, "fail", properties, []) with `PIDs=[pid]` and `IgnoreOnIsolate=yes`,
    /// then waits until the job is done (the process has been moved into the scope's cgroup).
    /// The corresponding command is `systemd-run --scope --unit=NAME -p IgnoreOnIsolate=yes …`.
    public func moveIntoTransientScope(name: String, pid: Int32, properties: [UnitProperty]) throws(QuiesceError) {
        try withSystemd { bus throws(QuiesceError) in
            try runJob(on: bus, unit: name, member: "StartTransientUnit", operation: "start \(name)") { message throws(QuiesceError) in
                try message.append(name)
                try message.append("fail")
                try message.open("a", "(sv)")
                let fixed = [UnitProperty("PIDs", .uint32s([UInt32(bitPattern: pid)])), UnitProperty("IgnoreOnIsolate", .bool(true))]
                for property in fixed + properties { try Self.append(property, to: message) }
                try message.close()
                try message.open("a", "(sa(sv))")
                try message.close()
            }
        }
    }

    private static func append(_ property: UnitProperty, to message: BusMessage) throws(QuiesceError) {
        try message.open("r", "sv")
        try message.append(property.name)
        switch property.value {
        case .string(let value):
            try message.open("v", "s")
            try message.append(value)
        case .bool(let value):
            try message.open("v", "b")
            try message.append(value)
        case .uint64(let value):
            try message.open("v", "t")
            try message.append(value)
        case .strings(let values):
            try message.open("v", "as")
            try message.append(values)
        case .uint32s(let values):
            try message.open("v", "au")
            try message.append(values)
        }
        try message.close()
        try message.close()
    }

    /// Calls a Manager method that returns a job path, and waits for the job's result; anything but `done` throws.
    private func runJob(on bus: BusConnection, unit: String, member: String, operation: String,
                        arguments: (BusMessage) throws(QuiesceError) -> Void) throws(QuiesceError) {
        // On the system bus signals are only sent to subscribers; on the private socket always. Subscribe is harmless there.
        if let subscribe = try? bus.methodCall(Self.systemd1, Self.managerPath, Self.managerInterface, "Subscribe") {
            _ = try? bus.call(subscribe, operation: "Subscribe")
        }
        let watcher = try JobRemovedWatcher(bus: bus)
        let call = try bus.methodCall(Self.systemd1, Self.managerPath, Self.managerInterface, member)
        try arguments(call)
        let job = try bus.call(call, operation: operation).readString("o")
        let result = try watcher.wait(for: job, unit: unit, timeout: jobTimeout)
        guard result == "done" else {
            throw QuiesceError(.failed, operation: operation, busError: result,
                               "\(operation): the job ended with result \"\(result)\" (see journalctl -xe)")
        }
    }

    /// journald's io.systemd.Journal.RelinquishVar over varlink. The corresponding command is `journalctl --relinquish-var`.
    public func relinquishJournal() throws(QuiesceError) {
        // Synchronize first: records already sent (kreboot's own, just before) are written to /var, not /run.
        try JournalVarlink.call("io.systemd.Journal.Synchronize", socket: journalSocket)
        try JournalVarlink.call("io.systemd.Journal.RelinquishVar", socket: journalSocket)
    }

    /// journald's io.systemd.Journal.FlushToVar over varlink. The corresponding command is `journalctl --flush`.
    public func flushJournal() throws(QuiesceError) {
        try JournalVarlink.call("io.systemd.Journal.FlushToVar", socket: journalSocket)
    }
}
