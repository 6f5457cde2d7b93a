import LinuxSystem
internal import CSystemd
import SystemPackage

/// A D-Bus message being built or read. Unreferences it in deinit.
final class BusMessage {
    let handle: OpaquePointer

    /// Takes over a reference the caller owns.
    init(taking handle: OpaquePointer) { self.handle = handle }

    /// Adds a reference to a message sd-bus owns (a signal handed to a callback).
    init(retaining handle: OpaquePointer) { self.handle = sd_bus_message_ref(handle) }

    deinit { sd_bus_message_unref(handle) }

    private func check(_ r: Int32, _ what: String) throws(QuiesceError) {
        if r < 0 { throw BusConnection.busError(r, operation: "D-Bus message: \(what)") }
    }

    private static func type(_ character: Character) -> CChar { CChar(character.asciiValue!) }

    /// Appends a string (`s`).
    func append(_ value: String) throws(QuiesceError) {
        try check(value.withCString { sd_bus_message_append_basic(handle, Self.type("s"), $0) }, "append string")
    }

    /// Appends a boolean (`b`).
    func append(_ value: Bool) throws(QuiesceError) {
        var int: Int32 = value ? 1 : 0
        try check(sd_bus_message_append_basic(handle, Self.type("b"), &int), "append boolean")
    }

    /// Appends an unsigned 64-bit integer (`t`).
    func append(_ value: UInt64) throws(QuiesceError) {
        var int = value
        try check(sd_bus_message_append_basic(handle, Self.type("t"), &int), "append uint64")
    }

    /// Appends an unsigned 32-bit integer (`u`).
    func append(_ value: UInt32) throws(QuiesceError) {
        var int = value
        try check(sd_bus_message_append_basic(handle, Self.type("u"), &int), "append uint32")
    }

    /// Appends an object path (`o`).
    func append(objectPath: String) throws(QuiesceError) {
        try check(objectPath.withCString { sd_bus_message_append_basic(handle, Self.type("o"), $0) }, "append object path")
    }

    /// Appends an array of strings (`as`).
    func append(_ values: [String]) throws(QuiesceError) {
        try open("a", "s")
        for value in values { try append(value) }
        try close()
    }

    /// Appends an array of unsigned 32-bit integers (`au`).
    func append(_ values: [UInt32]) throws(QuiesceError) {
        try open("a", "u")
        for value in values { try append(value) }
        try close()
    }

    /// Opens a container: `a` (array), `r` (struct), `v` (variant), `e` (dict entry) of `contents`.
    func open(_ type: Character, _ contents: String) throws(QuiesceError) {
        try check(sd_bus_message_open_container(handle, Self.type(type), contents), "open container \(type)\(contents)")
    }

    /// Closes the innermost open container.
    func close() throws(QuiesceError) {
        try check(sd_bus_message_close_container(handle), "close container")
    }

    /// Reads a string or object path (`s`, `o`).
    func readString(_ type: Character = "s") throws(QuiesceError) -> String {
        var value: UnsafePointer<CChar>?
        try check(sd_bus_message_read_basic(handle, Self.type(type), &value), "read \(type)")
        return value.map { String(cString: $0) } ?? ""
    }

    /// Reads an unsigned 32-bit integer (`u`).
    func readUInt32() throws(QuiesceError) -> UInt32 {
        var value: UInt32 = 0
        try check(sd_bus_message_read_basic(handle, Self.type("u"), &value), "read u")
        return value
    }

    /// Reads a boolean (`b`).
    func readBool() throws(QuiesceError) -> Bool {
        var value: Int32 = 0
        try check(sd_bus_message_read_basic(handle, Self.type("b"), &value), "read b")
        return value != 0
    }

    /// The type and contents of the next element (`v` and `s` for a variant holding a string); nil at the end.
    func peek() throws(QuiesceError) -> (type: Character, contents: String?)? {
        var type: CChar = 0
        var contents: UnsafePointer<CChar>?
        let r = sd_bus_message_peek_type(handle, &type, &contents)
        try check(r, "peek")
        guard r > 0 else { return nil }
        return (Character(UnicodeScalar(UInt8(bitPattern: type))), contents.map { String(cString: $0) })
    }

    /// Enters a container; false when an array has no more elements.
    func enter(_ type: Character, _ contents: String) throws(QuiesceError) -> Bool {
        let r = sd_bus_message_enter_container(handle, Self.type(type), contents)
        try check(r, "enter container \(type)\(contents)")
        return r > 0
    }

    /// Leaves the innermost entered container.
    func exit() throws(QuiesceError) {
        try check(sd_bus_message_exit_container(handle), "exit container")
    }
}
