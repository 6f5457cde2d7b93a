@testable import Kdump
import Foundation
import KexecCore
import LinuxSystem
import RebootPlan
import Synchronization
import Testing

/// KDUMP_NETCONFIG in the capture boot: the networkd files for each mode, the bounded wait for the address,
/// and the dump server check before a remote save.
@Suite struct CaptureNetworkTests {
    static func network(_ value: String, timeout: String? = nil) throws -> CaptureNetwork {
        try CaptureNetwork.parse(value, timeout: timeout, file: "/etc/sysconfig/kdump")
    }

    @Test func autoIsADHCPFallbackAfterTheSystemsOwnFiles() throws {
        let configuration = NetworkdConfiguration(try Self.network("auto"))
        #expect(configuration.files.map(\.name) == ["99-kreboot-capture-auto.network"])
        let text = configuration.files[0].text
        #expect(text.contains("[Match]\nType=ether\n") && text.contains("DHCP=yes\n"))
        #expect(configuration.interface == nil)
    }

    @Test func anInterfaceByDHCPv4GetsItsOwnFileSortedFirst() throws {
        let configuration = NetworkdConfiguration(try Self.network("enp0s3:dhcp"))
        #expect(configuration.files.map(\.name) == ["05-kreboot-capture.network"])
        #expect(configuration.files[0].text.contains("Name=enp0s3\n\n[Network]\nDHCP=ipv4\nIPv6AcceptRA=no\n"))
        #expect(configuration.interface == "enp0s3" && !configuration.wantsIPv6)
    }

    @Test func aVLANIsCreatedOnItsParent() throws {
        let configuration = NetworkdConfiguration(try Self.network("eth0.100:dhcp6"))
        #expect(configuration.files.map(\.name) == ["05-kreboot-capture-vlan.netdev", "05-kreboot-capture-parent.network",
                                                    "05-kreboot-capture.network"])
        #expect(configuration.files[0].text.contains("Name=eth0.100\nKind=vlan\n\n[VLAN]\nId=100\n"))
        #expect(configuration.files[1].text.contains("Name=eth0\n\n[Network]\nVLAN=eth0.100\n"))
        #expect(configuration.files[2].text.contains("Name=eth0.100\n") && configuration.files[2].text.contains("DHCP=ipv6\n"))
        #expect(configuration.wantsIPv6)
    }

    @Test func staticKeepsTheSystemsConfigurationAndNoneWritesNothing() throws {
        let configuration = NetworkdConfiguration(try Self.network("enp0s3:static"))
        #expect(configuration.files.isEmpty && configuration.interface == "enp0s3")
        #expect(NetworkdConfiguration(try Self.network("none")).files.isEmpty)
    }

    final class Script: Sendable {
        let calls = Mutex(0)
        let started = Mutex<[String]>([])
        let lines = Mutex<[String]>([])
    }

    @Test func waitsForTheAddressOnTheInterfaceAndSaysSo() throws {
        let dir = KdumpFixtures.temporaryDirectory()
        let script = Script()
        let bringUp = CaptureNetworkBringUp(
            network: try Self.network("enp0s3:dhcp4", timeout: "5"), directory: dir + "/run/systemd/network",
            startUnit: { unit in script.started.withLock { $0.append(unit) }; return nil },
            addresses: {
                let n = script.calls.withLock { $0 += 1; return $0 }
                let early = [InterfaceAddress(interface: "lo", address: "127.0.0.1", isIPv6: false),
                             InterfaceAddress(interface: "enp0s3", address: "fe80::1", isIPv6: true),
                             InterfaceAddress(interface: "enp0s4", address: "10.0.0.9", isIPv6: false)]
                return n < 3 ? early : early + [InterfaceAddress(interface: "enp0s3", address: "10.0.9.2", isIPv6: false)]
            },
            log: { line in script.lines.withLock { $0.append(line) } }, pollInterval: .milliseconds(10))
        let found = try bringUp.run()
        #expect(found == [InterfaceAddress(interface: "enp0s3", address: "10.0.9.2", isIPv6: false)])
        #expect(script.started.withLock { $0 } == ["systemd-networkd.service"])
        let written = try String(contentsOfFile: dir + "/run/systemd/network/05-kreboot-capture.network", encoding: .utf8)
        #expect(written.contains("Name=enp0s3"))
        let lines = script.lines.withLock { $0 }
        #expect(lines.first == "network: bringing up enp0s3 by DHCPv4, waiting up to 5 s (KDUMP_NETCONFIG)")
        #expect(lines.last?.hasPrefix("network: up after ") == true && lines.last?.hasSuffix(" s: enp0s3 10.0.9.2") == true)
    }

    @Test func noAddressWithinTheTimeoutFailsNamingIt() throws {
        let dir = KdumpFixtures.temporaryDirectory()
        let bringUp = CaptureNetworkBringUp(network: try Self.network("auto", timeout: "1"), directory: dir,
                                            startUnit: { _ in nil },
                                            addresses: { [InterfaceAddress(interface: "lo", address: "::1", isIPv6: true)] },
                                            log: { _ in }, pollInterval: .milliseconds(50))
        let started = ContinuousClock.now
        #expect(throws: KexecError.self) { try bringUp.run() }
        do { try bringUp.run() } catch {
            #expect(error.message == "network: no address on any interface within 1 s (KDUMP_NET_TIMEOUT); the dump cannot be sent")
            #expect(error.code == .unavailable)
        }
        #expect(ContinuousClock.now - started < .seconds(10))
    }

    @Test func networkdThatCannotStartFailsAtOnce() throws {
        let bringUp = CaptureNetworkBringUp(network: try Self.network("auto"), directory: KdumpFixtures.temporaryDirectory(),
                                            startUnit: { _ in "Unit systemd-networkd.service not found." },
                                            addresses: { [] }, log: { _ in })
        do {
            try bringUp.run()
            Issue.record("no error")
        } catch {
            #expect(error.message == "network: cannot start systemd-networkd.service: Unit systemd-networkd.service not found.")
        }
    }

    @Test func routableAddresses() {
        #expect(InterfaceAddress(interface: "e", address: "10.0.9.2", isIPv6: false).isRoutable)
        #expect(!InterfaceAddress(interface: "e", address: "169.254.3.4", isIPv6: false).isRoutable)
        #expect(!InterfaceAddress(interface: "e", address: "FE80::5", isIPv6: true).isRoutable)
        #expect(InterfaceAddress(interface: "e", address: "2001:db8::5", isIPv6: true).isRoutable)
    }

    @Test func theServerCheckUsesTheProtocolsPortAndGivesUpInBoundedTime() throws {
        let target = try DumpTargetParser.parse("nfs://10.0.9.1/srv/nfs/crash", option: "KDUMP_SAVEDIR", file: "f")
        #expect(DumpServerCheck.port(of: target) == 2049)
        let sftp = try DumpTargetParser.parse("sftp://kdump@10.0.9.1:2222/crash", option: "KDUMP_SAVEDIR", file: "f", sshKey: "/k")
        #expect(DumpServerCheck.port(of: sftp) == 2222)
        let asked = Mutex<[String]>([])
        let dead = DumpServerCheck(target: target, timeoutSeconds: 1, resolve: { $0 },
                                   connect: { address, port, _ in asked.withLock { $0.append("\(address):\(port)") }; return .failed("No route to host") },
                                   log: { _ in })
        do {
            try dead.run()
            Issue.record("a dead server passed")
        } catch {
            #expect(error.message == "the dump server 10.0.9.1 port 2049 (nfs) did not answer within 1 s (KDUMP_NET_TIMEOUT): No route to host; the dump is not saved")
        }
        #expect(asked.withLock { $0 }.first == "10.0.9.1:2049")
        let alive = DumpServerCheck(target: target, timeoutSeconds: 1, resolve: { $0 }, connect: { _, _, _ in .connected }, log: { _ in })
        try alive.run()
    }

    @Test func theTCPProbeConnectsToAListenerAndIsRefusedByAClosedPort() throws {
        let listener = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(listener) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = 0
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(listener, $0, length) } }
        #expect(bound == 0)
        #expect(listen(listener, 1) == 0)
        _ = withUnsafeMutablePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(listener, $0, &length) } }
        let port = UInt16(bigEndian: address.sin_port)
        #expect(TCPConnectProbe.connect(address: "127.0.0.1", port: port, timeoutMilliseconds: 2000) == .connected)
        close(listener)
        if case .failed = TCPConnectProbe.connect(address: "127.0.0.1", port: port, timeoutMilliseconds: 2000) {} else {
            Issue.record("a closed port was not refused")
        }
        #expect(TCPConnectProbe.connect(address: "not-an-address", port: 1, timeoutMilliseconds: 10) == .badAddress)
    }
}
