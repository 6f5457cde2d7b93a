extension CaptureNetwork {
    /// Parses KDUMP_NETCONFIG (nil or empty: `none`; unset in the file: pass `auto`) and KDUMP_NET_TIMEOUT
    /// strictly; a bad value is a `KdumpConfigError` naming the option and `file`.
    public static func parse(_ value: String, timeout: String?, file: String) throws(KdumpConfigError) -> CaptureNetwork {
        let fail = { (option: String, reason: String) in KdumpConfigError(file: file, option: option, reason: reason) }
        var seconds = defaultTimeoutSeconds
        if let timeout, !timeout.isEmpty {
            guard timeout.allSatisfy({ $0.isASCII && $0.isNumber }), let n = Int(timeout), (1...3600).contains(n) else {
                throw fail("KDUMP_NET_TIMEOUT", "\"\(timeout.prefix(16))\" is not a number of seconds from 1 to 3600")
            }
            seconds = n
        }
        var words = value.split(separator: ":", omittingEmptySubsequences: false).map(String.init)
        var force = false
        if words.count > 1, words.last == "force" { force = true; words.removeLast() }
        switch words.count {
        case 1 where words[0] == "" || words[0] == "none":
            guard !force else { throw fail("KDUMP_NETCONFIG", ":force needs an interface or auto") }
            return CaptureNetwork(mode: .none, timeoutSeconds: seconds)
        case 1 where words[0] == "auto":
            return CaptureNetwork(mode: .auto, force: force, timeoutSeconds: seconds)
        case 2:
            let modes: [String: Mode] = ["static": .static, "dhcp": .dhcp4, "dhcp4": .dhcp4, "dhcp6": .dhcp6,
                                         "auto6": .auto6, "auto": .auto]
            guard let mode = modes[words[1]] else {
                throw fail("KDUMP_NETCONFIG", "unknown mode \"\(words[1].prefix(16))\" (static, dhcp, dhcp4, dhcp6, auto6, auto)")
            }
            let name = words[0]
            try checkInterfaceName(name) { fail("KDUMP_NETCONFIG", $0) }
            var network = CaptureNetwork(interface: name, mode: mode, force: force, timeoutSeconds: seconds)
            if let dot = name.lastIndex(of: "."), let id = Int(name[name.index(after: dot)...]) {
                guard (1...4094).contains(id) else { throw fail("KDUMP_NETCONFIG", "VLAN id \(id) of \(name) is not from 1 to 4094") }
                network.vlanParent = String(name[..<dot])
                network.vlanID = id
            }
            return network
        default:
            throw fail("KDUMP_NETCONFIG", "not auto, none or INTERFACE:MODE[:force]")
        }
    }

    /// A Linux interface name: 1–15 bytes, no `/`, `:` or blanks, not `.` or `..`.
    static func checkInterfaceName(_ name: String, _ fail: (String) -> KdumpConfigError) throws(KdumpConfigError) {
        guard !name.isEmpty else { throw fail("no interface before the ':'") }
        guard name.utf8.count <= 15 else { throw fail("interface name \"\(name.prefix(32))\" is longer than 15 bytes") }
        let valid = name.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-" || $0 == "_" || $0 == ".") }
        guard valid, name != ".", name != "..", !name.hasPrefix("."), !name.hasSuffix(".") else {
            throw fail("\"\(name)\" is not an interface name")
        }
    }
}
