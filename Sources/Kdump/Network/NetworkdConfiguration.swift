import RebootPlan

/// The systemd-networkd files that bring up KDUMP_NETCONFIG's network in the capture boot, written to
/// /run/systemd/network (`CaptureNetworkBringUp`). Pure.
///
/// - `auto`: `99-kreboot-capture-auto.network` matching every Ethernet link with DHCP (v4 and v6) and IPv6
///   autoconfiguration — a fallback: the system's own networkd files (/etc/systemd/network, sorting before
///   it) keep configuring the links they match, so a machine with a static networkd address gets that.
/// - `IFACE:MODE`: `05-kreboot-capture.network` matching IFACE by name (sorting before the system's own
///   files, so it is what IFACE gets): `dhcp4` → DHCP=ipv4, `dhcp6` → DHCP=ipv6, `auto6` → autoconfiguration
///   only, `auto` → DHCP=yes and autoconfiguration; `static` writes nothing for IFACE — the system's own
///   networkd configuration of IFACE gives its static addresses.
/// - A VLAN (`eth0.100`): `05-kreboot-capture-vlan.netdev` creating it on the parent and
///   `05-kreboot-capture-parent.network` attaching it (the parent itself gets no address).
public struct NetworkdConfiguration: Sendable, Equatable {
    /// One file: its name in the directory and its text.
    public struct File: Sendable, Equatable {
        public var name: String
        public var text: String
    }

    /// Where the files go: networkd's runtime directory (gone at the next boot).
    public static let directory = "/run/systemd/network"

    public var files: [File]
    /// What the capture boot waits for: an address on this interface (nil: on any interface but loopback).
    public var interface: String?
    /// Whether only an IPv6 address counts (dhcp6, auto6).
    public var wantsIPv6: Bool

    /// The files for `network` (`mode == .none`: none).
    public init(_ network: CaptureNetwork) {
        interface = network.interface
        wantsIPv6 = network.mode == .dhcp6 || network.mode == .auto6
        files = []
        guard network.mode != .none else { return }
        let header = "# Written by kreboot save-dump in the kdump capture boot (KDUMP_NETCONFIG).\n"
        guard let name = network.interface else {
            files.append(File(name: "99-kreboot-capture-auto.network", text: header + """
                [Match]
                Type=ether

                [Network]
                DHCP=yes
                IPv6AcceptRA=yes

                """))
            return
        }
        if let parent = network.vlanParent, let id = network.vlanID {
            files.append(File(name: "05-kreboot-capture-vlan.netdev", text: header + """
                [NetDev]
                Name=\(name)
                Kind=vlan

                [VLAN]
                Id=\(id)

                """))
            files.append(File(name: "05-kreboot-capture-parent.network", text: header + """
                [Match]
                Name=\(parent)

                [Network]
                VLAN=\(name)
                LinkLocalAddressing=no
                IPv6AcceptRA=no

                """))
        }
        let dhcp: String
        switch network.mode {
        case .static, .none: return
        case .dhcp4: dhcp = "ipv4"
        case .dhcp6: dhcp = "ipv6"
        case .auto6: dhcp = "no"
        case .auto: dhcp = "yes"
        }
        let ra = network.mode == .dhcp4 ? "no" : "yes"
        files.append(File(name: "05-kreboot-capture.network", text: header + """
            [Match]
            Name=\(name)

            [Network]
            DHCP=\(dhcp)
            IPv6AcceptRA=\(ra)
            LinkLocalAddressing=\(network.mode == .dhcp4 ? "no" : "ipv6")

            """))
    }
}
