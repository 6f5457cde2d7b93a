import LinuxSystem
internal import CSystemd
import Glibc
import SystemPackage

/// A connection to the D-Bus system bus, or a direct one to systemd's private socket. Closes in deinit.
final class BusConnection {
    let handle: OpaquePointer
    /// What it is connected to, for messages: `systemd's private socket /run/systemd/private`, `the system bus`.
    let name: String

    private init(handle: OpaquePointer, name: String) {
        self.handle = handle
        self.name = name
    }

    deinit { sd_bus_flush_close_unref(handle) }

    /// Connects to systemd directly, the way systemctl does as root: no bus daemon and no Hello,
    /// so it keeps working after an isolate has stopped dbus-daemon.
    static func systemdPrivate(socket: String = "/run/systemd/private") throws(QuiesceError) -> BusConnection {
        let name = "systemd's private socket \(socket)"
        var bus: OpaquePointer?
        var r = sd_bus_new(&bus)
        guard r >= 0, let bus else { throw busError(r, operation: "connect to \(name)", path: socket) }
        r = sd_bus_set_address(bus, "unix:path=\(socket)")
        if r >= 0 { r = sd_bus_start(bus) }
        guard r >= 0 else {
            sd_bus_unref(bus)
            throw busError(r, operation: "connect to \(name)", path: socket)
        }
        return BusConnection(handle: bus, name: name)
    }

    /// Connects to the D-Bus system bus (dbus-daemon), needed for logind; or, with `address`, to that bus
    /// (`unix:path=…`) as a bus client (with Hello).
    static func systemBus(address: String? = nil) throws(QuiesceError) -> BusConnection {
        var bus: OpaquePointer?
        guard let address else {
            let r = sd_bus_open_system(&bus)
            guard r >= 0, let bus else { throw busError(r, operation: "connect to the system bus") }
            return BusConnection(handle: bus, name: "the system bus")
        }
        let name = "the bus at \(address)"
        var r = sd_bus_new(&bus)
        guard r >= 0, let bus else { throw busError(r, operation: "connect to \(name)") }
        r = sd_bus_set_address(bus, address)
        if r >= 0 { r = sd_bus_set_bus_client(bus, 1) }
        if r >= 0 { r = sd_bus_start(bus) }
        guard r >= 0 else {
            sd_bus_unref(bus)
            throw busError(r, operation: "connect to \(name)")
        }
        return BusConnection(handle: bus, name: name)
    }

    /// A new method call message.
    func methodCall(_ destination: String, _ path: String, _ interface: String, _ member: String) throws(QuiesceError) -> BusMessage {
        var message: OpaquePointer?
        let r = sd_bus_message_new_method_call(handle, &message, destination, path, interface, member)
        guard r >= 0, let message else { throw Self.busError(r, operation: "\(interface).\(member)") }
        return BusMessage(taking: message)
    }

    /// Sends `message` and waits for the reply (the default timeout of sd-bus, 25 s). `operation` names it in errors.
    func call(_ message: BusMessage, operation: String) throws(QuiesceError) -> BusMessage {
        var error = sd_bus_error()
        var reply: OpaquePointer?
        let r = sd_bus_call(handle, message.handle, 0, &error, &reply)
        defer { sd_bus_error_free(&error) }
        guard r >= 0, let reply else {
            let errorName = error.name.map { String(cString: $0) }
            let errorMessage = error.message.map { String(cString: $0) }
            throw Self.busError(r, operation: operation, busError: errorName, detail: errorMessage)
        }
        return BusMessage(taking: reply)
    }

    /// Reads a string property with org.freedesktop.DBus.Properties.Get.
    func stringProperty(_ destination: String, _ path: String, _ interface: String, _ member: String) throws(QuiesceError) -> String {
        var error = sd_bus_error()
        var value: UnsafeMutablePointer<CChar>?
        let r = sd_bus_get_property_string(handle, destination, path, interface, member, &error, &value)
        defer {
            sd_bus_error_free(&error)
            free(value)
        }
        guard r >= 0, let value else {
            throw Self.busError(r, operation: "get \(interface).\(member) of \(path)",
                                busError: error.name.map { String(cString: $0) },
                                detail: error.message.map { String(cString: $0) })
        }
        return String(cString: value)
    }

    /// A QuiesceError for a negative sd-bus return value (`-errno`), with the D-Bus error when there is one.
    static func busError(_ r: Int32, operation: String, path: String? = nil, busError: String? = nil,
                         detail: String? = nil) -> QuiesceError {
        let errno = Errno(rawValue: -r)
        var code = QuiesceError.code(for: errno)
        if busError == "org.freedesktop.DBus.Error.AccessDenied" || busError == "org.freedesktop.DBus.Error.InteractiveAuthorizationRequired" {
            code = .noPermission
        }
        let cause = detail ?? String(cString: strerror(-r))
        let name = busError.map { " (\($0))" } ?? ""
        return QuiesceError(code, operation: operation, path: path, errno: errno, busError: busError,
                            "\(operation): \(cause)\(name)")
    }
}
