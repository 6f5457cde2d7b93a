import LinuxSystem

/// EFI variables where there are none to change (the default of `ExecutorParts` that are not the system's):
/// reads find nothing, writes and deletes fail saying so.
public struct NoEfiVariables: EfiVariables {
    public init() {}

    public func read(_ name: String) throws(SystemError) -> EfiVariableValue? { nil }

    public func write(_ name: String, _ value: EfiVariableValue) throws(SystemError) {
        throw SystemError(.unavailable, path: name, "\(name): no EFI variables to write")
    }

    public func delete(_ name: String) throws(SystemError) {
        throw SystemError(.unavailable, path: name, "\(name): no EFI variables to delete")
    }
}
