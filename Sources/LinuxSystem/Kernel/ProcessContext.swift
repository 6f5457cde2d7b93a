#if canImport(Glibc)
import Glibc
#endif

/// Facts about the process running kreboot: who it is, what it may do, where it runs.
public struct ProcessContext: Codable, Sendable, Equatable {
    /// geteuid(2).
    public var effectiveUID: UInt32
    /// CAP_SYS_BOOT in the effective set; nil when unknown.
    public var hasCapSysBoot: Bool?
    /// nil when in the initial namespaces; else the reason (e.g. `running in a container (docker)`).
    public var containerReason: String?
    /// uname(2)'s machine field: `x86_64`, `aarch64` …
    public var machineArch: String

    /// A context with the given facts (tests and `read(root:effectiveUID:machineArch:)`).
    public init(effectiveUID: UInt32, hasCapSysBoot: Bool? = nil, containerReason: String? = nil, machineArch: String) {
        self.effectiveUID = effectiveUID
        self.hasCapSysBoot = hasCapSysBoot
        self.containerReason = containerReason
        self.machineArch = machineArch
    }

    /// The capability number of CAP_SYS_BOOT (linux/capability.h).
    public static let capSysBoot = 22

    /// The context of this process: geteuid(2), /proc/self/status, the container markers, uname(2).
    public static func current() -> ProcessContext {
        read(root: RootDirectory(), effectiveUID: geteuid(), machineArch: unameMachine() ?? "unknown")
    }

    /// The context as the files under `root` describe it, for the given uid and architecture.
    /// `current()` calls it with the real root; tests point it at fixture trees.
    public static func read(root: RootDirectory, effectiveUID: UInt32, machineArch: String) -> ProcessContext {
        ProcessContext(
            effectiveUID: effectiveUID,
            hasCapSysBoot: root.readText("/proc/self/status").flatMap { hasCapability(capSysBoot, status: $0) },
            containerReason: containerReason(root: root),
            machineArch: machineArch
        )
    }

    /// Whether the `CapEff:` mask of a /proc/PID/status text has capability `number`; nil without the line.
    public static func hasCapability(_ number: Int, status: String) -> Bool? {
        for line in status.split(separator: "\n") where line.hasPrefix("CapEff:") {
            guard let mask = UInt64(line.dropFirst("CapEff:".count).trimmingWhitespace(), radix: 16) else { return nil }
            return mask & (UInt64(1) << UInt64(number)) != 0
        }
        return nil
    }

    /// Why this looks like a container or a user namespace, or nil when it looks like the host.
    /// Checked in order: /run/systemd/container, `container=` in /proc/1/environ, /.dockerenv,
    /// /run/.containerenv, and a /proc/self/uid_map that is not the identity map of the initial namespace.
    public static func containerReason(root: RootDirectory) -> String? {
        if let manager = root.readLine("/run/systemd/container") {
            return "running in a container (\(manager))"
        }
        if let environ = root.readText("/proc/1/environ") {
            for variable in environ.split(separator: "\0") where variable.hasPrefix("container=") {
                let manager = variable.dropFirst("container=".count)
                if !manager.isEmpty { return "running in a container (\(manager))" }
            }
        }
        if root.exists("/.dockerenv") {
            return "running in a container (docker)"
        }
        if root.exists("/run/.containerenv") {
            return "running in a container (podman)"
        }
        if let uidMap = root.readText("/proc/self/uid_map"), !isInitialUIDMap(uidMap) {
            let first = uidMap.split(separator: "\n").first.map { $0.split(separator: " ").joined(separator: " ") } ?? ""
            return "running in a user namespace (uid_map \(first))"
        }
        return nil
    }

    /// Whether a uid_map is the initial user namespace's: the one line `0 0 4294967295`.
    public static func isInitialUIDMap(_ text: String) -> Bool {
        let lines = text.split(separator: "\n").filter { !$0.trimmingWhitespace().isEmpty }
        guard lines.count == 1 else { return false }
        return lines[0].split(whereSeparator: { $0 == " " || $0 == "\t" }) == ["0", "0", "4294967295"]
    }

    /// uname(2)'s machine field.
    /// The corresponding C function is `uname`.
    static func unameMachine() -> String? {
        var names = utsname()
        guard uname(&names) == 0 else { return nil }
        return withUnsafeBytes(of: names.machine) { raw in
            String(decoding: raw.prefix { $0 != 0 }, as: UTF8.self)
        }
    }
}
