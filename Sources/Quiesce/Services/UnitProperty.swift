/// One property of a transient unit, as StartTransientUnit takes it (`a(sv)`).
public struct UnitProperty: Sendable, Equatable {
    /// The property's value, typed as D-Bus sees it.
    public enum Value: Sendable, Equatable {
        case string(String)
        case bool(Bool)
        case uint64(UInt64)
        case strings([String])
    }

    /// The property name, e.g. `Description`, `TimeoutStopUSec`, `Environment`.
    public var name: String
    public var value: Value

    public init(_ name: String, _ value: Value) {
        self.name = name
        self.value = value
    }
}
