import KexecCore
import LinuxSystem
import RebootPlan
import FoundationEssentials

#if canImport(Glibc)
import Glibc
#endif

/// Brings up KDUMP_NETCONFIG's network in a capture boot that runs systemd (kreboot-save-dump.service):
/// writes `NetworkdConfiguration`'s files to /run/systemd/network, starts systemd-networkd.service over
/// sd-bus (`startUnit`, injected: Kdump does not talk to systemd itself), and waits — at most
/// KDUMP_NET_TIMEOUT — for a routable address on the interface (any interface for `auto`), saying on the
/// console what it did. Never runs outside a capture boot: the caller checks.
public struct CaptureNetworkBringUp {
    public var network: CaptureNetwork
    /// Where the networkd files are written (tests: a temporary directory).
    public var directory: String
    /// Starts a unit and waits for its job; returns why it failed, nil when started.
    public var startUnit: (String) -> String?
    /// The addresses of the interfaces now (tests: a script of lists).
    public var addresses: () -> [InterfaceAddress]
    public var log: @Sendable (String) -> Void
    /// Time between two looks at the addresses.
    public var pollInterval: Duration

    public init(network: CaptureNetwork, directory: String = NetworkdConfiguration.directory,
                startUnit: @escaping (String) -> String?, addresses: @escaping () -> [InterfaceAddress] = InterfaceAddress.current,
                log: @escaping @Sendable (String) -> Void, pollInterval: Duration = .milliseconds(250)) {
        self.network = network
        self.directory = directory
        self.startUnit = startUnit
        self.addresses = addresses
        self.log = log
        self.pollInterval = pollInterval
    }

    /// The addresses that answer the wait: routable ones on the configured interface (any but loopback for
    /// `auto`), IPv6 only for dhcp6 and auto6.
    public static func usable(_ list: [InterfaceAddress], for configuration: NetworkdConfiguration) -> [InterfaceAddress] {
        list.filter { entry in
            entry.isRoutable && entry.interface != "lo"
                && (configuration.interface == nil || entry.interface == configuration.interface)
                && (!configuration.wantsIPv6 || entry.isIPv6)
        }
    }

    /// Writes the files, starts networkd, waits; returns the addresses found. `.unavailable` naming the
    /// interface and KDUMP_NET_TIMEOUT when none came in time.
    @discardableResult
    public func run() throws(KexecError) -> [InterfaceAddress] {
        let configuration = NetworkdConfiguration(network)
        log("network: bringing up \(network.summary) (KDUMP_NETCONFIG)")
        try DumpFiles.makeDirectories(directory, operation: "save-dump")
        for file in configuration.files {
            let path = directory + "/" + file.name
            do { try RecordWriter.write(Array(file.text.utf8), to: path, operation: "save-dump") } catch {
                throw KexecError(operation: "save-dump", error)
            }
            log("network: wrote \(path)")
        }
        if configuration.files.isEmpty, network.mode == .static {
            log("network: \(network.interface ?? "the interface") keeps the system's own systemd-networkd configuration (static)")
        }
        if let problem = startUnit("systemd-networkd.service") {
            throw KexecError(.unavailable, operation: "save-dump", path: "systemd-networkd.service",
                             "network: cannot start systemd-networkd.service: \(problem)")
        }
        let clock = ContinuousClock()
        let started = clock.now
        let deadline = started + .seconds(network.timeoutSeconds)
        while true {
            let found = Self.usable(addresses(), for: configuration)
            if !found.isEmpty {
                let list = found.map { "\($0.interface) \($0.address)" }.joined(separator: ", ")
                log("network: up after \(Self.seconds(clock.now - started)) s: \(list)")
                return found
            }
            if clock.now >= deadline { break }
            sleepFor(pollInterval)
        }
        let which = configuration.interface ?? "any interface"
        throw KexecError(.unavailable, operation: "save-dump", path: which,
                         "network: no address on \(which) within \(network.timeoutSeconds) s (KDUMP_NET_TIMEOUT); the dump cannot be sent")
    }

    /// A duration in seconds with one decimal (`3.2`).
    static func seconds(_ duration: Duration) -> String {
        let tenths = duration.components.seconds * 10 + duration.components.attoseconds / 100_000_000_000_000_000
        return "\(tenths / 10).\(tenths % 10)"
    }

    private func sleepFor(_ duration: Duration) {
        let (seconds, attoseconds) = duration.components
        _ = usleep(UInt32(seconds * 1_000_000 + attoseconds / 1_000_000_000_000))
    }
}
