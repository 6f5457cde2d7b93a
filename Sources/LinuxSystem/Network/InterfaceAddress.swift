#if canImport(Glibc)
import Glibc
#endif

/// One address of a network interface, as getifaddrs(3) lists it.
public struct InterfaceAddress: Sendable, Equatable {
    /// The interface (`enp0s3`, `eth0.100`).
    public var interface: String
    /// The numeric address (`10.0.9.2`, `fe80::1`).
    public var address: String
    public var isIPv6: Bool

    public init(interface: String, address: String, isIPv6: Bool) {
        self.interface = interface
        self.address = address
        self.isIPv6 = isIPv6
    }

    /// Whether the address can reach another machine beyond the link: not loopback, not IPv4 link-local
    /// (169.254/16), not IPv6 link-local (fe80::/10).
    public var isRoutable: Bool {
        if isIPv6 { return address != "::1" && !address.lowercased().hasPrefix("fe8") && !address.lowercased().hasPrefix("fe9")
            && !address.lowercased().hasPrefix("fea") && !address.lowercased().hasPrefix("feb") }
        return !address.hasPrefix("127.") && !address.hasPrefix("169.254.")
    }

    /// Every IPv4 and IPv6 address of every interface that is up (getifaddrs(3)); empty when it fails.
    public static func current() -> [InterfaceAddress] {
        var list: UnsafeMutablePointer<ifaddrs>?
        guard getifaddrs(&list) == 0, let first = list else { return [] }
        defer { freeifaddrs(list) }
        var found: [InterfaceAddress] = []
        var next: UnsafeMutablePointer<ifaddrs>? = first
        while let entry = next {
            next = entry.pointee.ifa_next
            guard let sockaddr = entry.pointee.ifa_addr, entry.pointee.ifa_flags & UInt32(IFF_UP) != 0 else { continue }
            let family = Int32(sockaddr.pointee.sa_family)
            guard family == AF_INET || family == AF_INET6 else { continue }
            let length = socklen_t(family == AF_INET ? MemoryLayout<sockaddr_in>.size : MemoryLayout<sockaddr_in6>.size)
            var name = [CChar](repeating: 0, count: Int(NI_MAXHOST))
            guard getnameinfo(sockaddr, length, &name, socklen_t(name.count), nil, 0, NI_NUMERICHOST) == 0 else { continue }
            var text = String(decoding: name.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
            if let percent = text.firstIndex(of: "%") { text = String(text[..<percent]) }
            found.append(InterfaceAddress(interface: String(cString: entry.pointee.ifa_name), address: text,
                                          isIPv6: family == AF_INET6))
        }
        return found
    }
}
