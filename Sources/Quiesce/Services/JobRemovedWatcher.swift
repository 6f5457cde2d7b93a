import LinuxSystem
internal import CSystemd
import Glibc
import SystemPackage

/// Collects systemd's `JobRemoved(u id, o job, s unit, s result)` signals on a connection, so a caller can
/// start a job and then wait for its result. Install it before starting the job, or the signal may be missed.
final class JobRemovedWatcher {
    /// Job object path → result (`done`, `canceled`, `timeout`, `failed`, `dependency`, `skipped`).
    fileprivate(set) var results: [String: String] = [:]
    private var slot: OpaquePointer?
    private let bus: BusConnection

    init(bus: BusConnection) throws(QuiesceError) {
        self.bus = bus
        // On systemd's private socket signals come without a sender, so match on path, interface and member only.
        let r = sd_bus_match_signal(bus.handle, &slot, nil, "/org/freedesktop/systemd1",
                                    "org.freedesktop.systemd1.Manager", "JobRemoved", jobRemovedHandler,
                                    Unmanaged.passUnretained(self).toOpaque())
        if r < 0 { throw BusConnection.busError(r, operation: "watch systemd's JobRemoved signal") }
    }

    deinit { sd_bus_slot_unref(slot) }

    fileprivate func record(_ message: BusMessage) {
        guard let _ = try? message.readUInt32(),
              let job = try? message.readString("o"),
              let _ = try? message.readString(),
              let result = try? message.readString() else { return }
        results[job] = result
    }

    /// Processes the connection until `job` has been removed, and returns its result.
    func wait(for job: String, unit: String, timeout: Duration) throws(QuiesceError) -> String {
        let deadline = ContinuousClock.now + timeout
        while true {
            if let result = results[job] { return result }
            let processed = sd_bus_process(bus.handle, nil)
            if processed < 0 {
                throw BusConnection.busError(processed, operation: "wait for the job of \(unit) on \(bus.name)")
            }
            if processed > 0 { continue }
            let remaining = deadline - ContinuousClock.now
            if remaining <= .zero {
                throw QuiesceError(.failed, operation: "wait for the job of \(unit)", errno: .timedOut,
                                   "wait for the job of \(unit): no result after \(timeout)")
            }
            let (seconds, attoseconds) = remaining.components
            let usec = UInt64(seconds) * 1_000_000 + UInt64(attoseconds / 1_000_000_000_000) + 1
            let waited = sd_bus_wait(bus.handle, usec)
            if waited < 0 && waited != -EINTR {
                throw BusConnection.busError(waited, operation: "wait for the job of \(unit) on \(bus.name)")
            }
        }
    }
}

/// The sd-bus callback: hands the signal to the watcher named by `userdata`.
private func jobRemovedHandler(_ message: OpaquePointer?, _ userdata: UnsafeMutableRawPointer?,
                               _ error: UnsafeMutablePointer<sd_bus_error>?) -> Int32 {
    guard let message, let userdata else { return 0 }
    let watcher = Unmanaged<JobRemovedWatcher>.fromOpaque(userdata).takeUnretainedValue()
    watcher.record(BusMessage(retaining: message))
    return 0
}
