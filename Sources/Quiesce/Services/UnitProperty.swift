import LinuxSystem
/// One property of a transient unit, as StartTransientUnit takes it (`a(sv)`).
public struct UnitProperty: Sendable, Equatable {
    /// The property's value, typed as D-Bus sees it.
    public enum Value: Sendable, Equatable {
        case string(String)
        case bool(Bool)
        case uint64(UInt64)
        case strings([String])
        case uint32s([UInt32])
    }

    /// The property name, e.g. `Description`, `TimeoutStopUSec`, `PIDs`.
    public var name: String
    public var value: Value

    public init(_ name: String, _ value: Value) {
        self.name = name
        self.value = value
    }
}
