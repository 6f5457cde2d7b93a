/// The network the capture boot brings up before a remote save or a notification: SUSE's KDUMP_NETCONFIG
/// and KDUMP_NET_TIMEOUT.
///
/// KDUMP_NETCONFIG is `auto` (in the capture boot: every Ethernet link as the system's own systemd-networkd files
/// configure it, else by DHCP — SUSE picks the interface with the default route and its current mode; the
/// default), empty or `none` (no network), or `IFACE:MODE` with MODE one of `static` (the system's own
/// networkd configuration of IFACE), `dhcp` (= `dhcp4`), `dhcp4`, `dhcp6`, `auto6`, `auto`; a `:force` suffix
/// brings the network up even when no remote target needs it. IFACE may be a VLAN (`eth0.100`: VLAN 100 on
/// eth0). KDUMP_NET_TIMEOUT is the bounded wait for the link and the address, in seconds (default 30).
/// Parsed by `CaptureNetwork.parse`.
public struct CaptureNetwork: Sendable, Equatable, Codable {
    /// How the interface gets its address.
    public enum Mode: String, Sendable, Codable {
        /// No network in the capture boot.
        case none
        /// DHCPv4, DHCPv6 or IPv6 autoconfiguration as the interface's current state suggests.
        case auto
        /// The interface's current addresses, routes with them.
        case `static`
        case dhcp4, dhcp6, auto6
    }

    /// The interface; nil means the one with the default route (`auto`) or none.
    public var interface: String?
    /// The VLAN interface's parent and id (`eth0.100` → eth0, 100).
    public var vlanParent: String?
    public var vlanID: Int?
    public var mode: Mode
    /// `:force`: brought up even when nothing needs it.
    public var force: Bool
    /// KDUMP_NET_TIMEOUT in seconds.
    public var timeoutSeconds: Int

    /// SUSE's default wait.
    public static let defaultTimeoutSeconds = 30

    public init(interface: String? = nil, vlanParent: String? = nil, vlanID: Int? = nil, mode: Mode,
                force: Bool = false, timeoutSeconds: Int = CaptureNetwork.defaultTimeoutSeconds) {
        self.interface = interface
        self.vlanParent = vlanParent
        self.vlanID = vlanID
        self.mode = mode
        self.force = force
        self.timeoutSeconds = timeoutSeconds
    }

    /// One line for the plan: `eth0.100 (VLAN 100 on eth0) by DHCPv4, waiting up to 30 s`.
    public var summary: String {
        guard mode != .none else { return "no network (KDUMP_NETCONFIG is empty or none)" }
        if interface == nil, mode == .auto {
            // What the capture boot does (NetworkdConfiguration): the system's own networkd files, else DHCP.
            return "every Ethernet link as the system's systemd-networkd configures it, else by DHCP or IPv6 autoconfiguration, "
                + "waiting up to \(timeoutSeconds) s" + (force ? " (forced)" : "")
        }
        var name = interface ?? "the interface with the default route"
        if let vlanParent, let vlanID { name += " (VLAN \(vlanID) on \(vlanParent))" }
        let how: String
        switch mode {
        case .none: how = ""
        case .auto: how = "DHCPv4, DHCPv6 or IPv6 autoconfiguration as it is configured now"
        case .static: how = "the static addresses and routes the system's systemd-networkd configuration gives it"
        case .dhcp4: how = "DHCPv4"
        case .dhcp6: how = "DHCPv6"
        case .auto6: how = "IPv6 autoconfiguration"
        }
        return "\(name) by \(how), waiting up to \(timeoutSeconds) s" + (force ? " (forced)" : "")
    }
}
