import LinuxSystem

/// The systemd-networkd configuration files (`*.network`) that give an interface a static address: a
/// line `Address=…` in any section. KDUMP_NETCONFIG=`IFACE:static` takes IFACE's addresses from the system's
/// own networkd configuration in the capture boot, so without such a file (a system configured by ifupdown
/// or NetworkManager) it would bring up no address; the plan refuses that (`CapturePlanner`).
public enum NetworkdStaticFiles {
    /// Where systemd-networkd reads .network files, in its order of precedence.
    public static let directories = ["/etc/systemd/network", "/run/systemd/network", "/usr/lib/systemd/network", "/lib/systemd/network"]

    /// The paths under `root` of the .network files with an `Address=` line.
    public static func read(root: RootDirectory) -> [String] {
        var found: [String] = []
        for directory in directories {
            for name in root.listDirectory(directory).sorted() where name.hasSuffix(".network") {
                let path = directory + "/" + name
                guard let text = (try? root.readFileText(path, limit: .configFile)) ?? nil else { continue }
                if text.split(whereSeparator: \.isNewline).contains(where: { hasAddress($0) }) { found.append(path) }
            }
        }
        return found
    }

    /// Whether `line` sets an address (`Address=10.0.9.2/24`, blanks around `=` allowed).
    static func hasAddress(_ line: Substring) -> Bool {
        let text = line.trimmingWhitespace()
        guard text.hasPrefix("Address") else { return false }
        let rest = text.dropFirst("Address".count).trimmingWhitespace()
        return rest.hasPrefix("=") && !rest.dropFirst().trimmingWhitespace().isEmpty
    }
}
