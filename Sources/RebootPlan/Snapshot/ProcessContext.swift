/// Facts about the process running kreboot: who it is, what it may do, where it runs. (Stub: to be implemented.)
public struct ProcessContext: Codable, Sendable, Equatable {
    public var effectiveUID: UInt32
    /// CAP_SYS_BOOT in the effective set; nil when unknown.
    public var hasCapSysBoot: Bool?
    /// nil when in the initial namespaces; else the reason (e.g. `running in a container (docker)`).
    public var containerReason: String?
    /// uname(2)'s machine field: `x86_64`, `aarch64` …
    public var machineArch: String

    public init(effectiveUID: UInt32, hasCapSysBoot: Bool? = nil, containerReason: String? = nil, machineArch: String) {
        self.effectiveUID = effectiveUID
        self.hasCapSysBoot = hasCapSysBoot
        self.containerReason = containerReason
        self.machineArch = machineArch
    }

    /// The context of this process.
    public static func current() -> ProcessContext {
        ProcessContext(effectiveUID: 0, machineArch: "x86_64")
    }
}
