import Foundation
@testable import RebootPlan
import LinuxSystem
import Testing

/// The capture command line every capture kernel kreboot loads gets, from the running one and each
/// distribution's settings.
@Suite struct KdumpCaptureCommandLineTests {
    let running = "BOOT_IMAGE=/boot/vmlinuz-6.1.0-28-amd64 root=/dev/nvme0n1 ro quiet splash crashkernel=256M "
        + "hugepages=64 console=ttyS0,115200 nr_cpus=4 printk.devkmsg=on"

    @Test func withoutInitramfsTheCaptureBootRunsKrebootAsInit() {
        let line = CaptureCommandLine(running: running, config: nil, hasInitrd: false, kreboot: "/usr/sbin/kreboot")
        #expect(line.text == "root=/dev/nvme0n1 ro console=ttyS0,115200 printk.devkmsg=on irqpoll nr_cpus=1 reset_devices "
            + "init=/usr/sbin/kreboot -- save-dump")
        #expect(line.entry == .initProcess)
    }

    @Test func theSaveDirectorysOwnFileSystemIsMountedByTheCaptureInit() {
        let config = KdumpConfigReader.parse(text: "KDUMP_COREDIR=/data\n", file: "/etc/default/kdump-tools")
        let line = CaptureCommandLine(running: "root=/dev/nvme0n1 rw", config: config, hasInitrd: false,
                                      kreboot: "/usr/local/bin/kreboot", saveDevice: "/dev/nvme0n2")
        #expect(line.text.hasSuffix("reset_devices init=/usr/local/bin/kreboot -- save-dump --mount /dev/nvme0n2"))
    }

    @Test func aCaptureBootThatNeedsTheNetworkRunsTheSaveUnitUnderSystemdWithoutAnInitramfs() {
        let line = CaptureCommandLine(running: "root=/dev/vda rw", config: nil, hasInitrd: false, kreboot: "/usr/sbin/kreboot",
                                      saveDevice: "/dev/vdb", needsNetwork: true)
        #expect(line.text == "root=/dev/vda rw irqpoll nr_cpus=1 reset_devices systemd.unit=kreboot-save-dump.service")
        #expect(line.entry == .unit)
        #expect(line.explanation.hasSuffix("systemd.unit=kreboot-save-dump.service (no initramfs: the root's systemd brings up the network)"))
    }

    @Test func aNetworkDumpWithAnInitProcessIsRefusedNamingKdumpNetconfig() throws {
        let config = KdumpConfigReader.parse(text: "KDUMP_SAVEDIR=nfs://10.0.9.1/srv/nfs/crash\n", file: "/etc/default/kdump-tools")
        let delivery = try DumpDelivery.read(config)
        let refused = CapturePlanner.networkProblem(delivery, captureCommandLine: "root=/dev/vda irqpoll init=/usr/local/bin/kreboot -- save-dump",
                                                    file: "/etc/default/kdump-tools")
        #expect(refused?.hasPrefix("/etc/default/kdump-tools: KDUMP_NETCONFIG: the dump to nfs://10.0.9.1/srv/nfs/crash needs the network, but the capture boot runs init=/usr/local/bin/kreboot without systemd") == true)
        #expect(CapturePlanner.networkProblem(delivery, captureCommandLine: "root=/dev/vda systemd.unit=kreboot-save-dump.service", file: "f") == nil)
        let none = KdumpConfigReader.parse(text: "KDUMP_SAVEDIR=nfs://10.0.9.1/srv/nfs/crash\nKDUMP_NETCONFIG=none\n", file: "f")
        #expect(CapturePlanner.networkProblem(try DumpDelivery.read(none), captureCommandLine: "init=/sbin/x", file: "f") == nil)
    }

    @Test func aStaticNetworkWithoutANetworkdAddressIsRefused() throws {
        let config = KdumpConfigReader.parse(text: "KDUMP_SAVEDIR=nfs://10.0.9.1/srv/nfs/crash\nKDUMP_NETCONFIG=eth0:static\n", file: "/etc/default/kdump-tools")
        let delivery = try DumpDelivery.read(config)
        let line = "root=/dev/vda systemd.unit=kreboot-save-dump.service"
        let refused = CapturePlanner.networkProblem(delivery, captureCommandLine: line, file: "/etc/default/kdump-tools", networkdStaticFiles: [])
        #expect(refused?.hasPrefix("/etc/default/kdump-tools: KDUMP_NETCONFIG: eth0:static takes eth0's addresses from the system's systemd-networkd configuration, and no .network file") == true)
        #expect(CapturePlanner.networkProblem(delivery, captureCommandLine: line, file: "f", networkdStaticFiles: ["/etc/systemd/network/10-eth0.network"]) == nil)
        #expect(CapturePlanner.networkProblem(delivery, captureCommandLine: line, file: "f", networkdStaticFiles: nil) == nil)
        let dhcp = try DumpDelivery.read(KdumpConfigReader.parse(text: "KDUMP_SAVEDIR=nfs://h/x\nKDUMP_NETCONFIG=eth0:dhcp\n", file: "f"))
        #expect(CapturePlanner.networkProblem(dhcp, captureCommandLine: line, file: "f", networkdStaticFiles: []) == nil)
    }

    @Test func networkdFilesWithAnAddressAreFound() throws {
        let base = NSTemporaryDirectory() + "kreboot-networkd-" + UUID().uuidString
        defer { try? FileManager.default.removeItem(atPath: base) }
        try FileManager.default.createDirectory(atPath: base + "/etc/systemd/network", withIntermediateDirectories: true)
        try "[Match]\nName=eth0\n[Network]\nDHCP=yes\n".write(toFile: base + "/etc/systemd/network/10-dhcp.network", atomically: true, encoding: .utf8)
        #expect(NetworkdStaticFiles.read(root: RootDirectory(base)) == [])
        try "[Match]\nMACAddress=52:54:00:4e:46:02\n[Network]\nAddress = 10.0.9.2/24\n".write(toFile: base + "/etc/systemd/network/20-static.network", atomically: true, encoding: .utf8)
        #expect(NetworkdStaticFiles.read(root: RootDirectory(base)) == ["/etc/systemd/network/20-static.network"])
    }

    @Test func withAnInitramfsTheCaptureBootStartsTheSaveDumpUnit() {
        let line = CaptureCommandLine(running: "BOOT_IMAGE=/vmlinuz root=UUID=abc ro initrd=/initrd.img", config: nil, hasInitrd: true)
        #expect(line.text == "root=UUID=abc ro irqpoll nr_cpus=1 reset_devices systemd.unit=kreboot-save-dump.service")
        #expect(line.entry == .unit)
    }

    @Test func kdumpCommandLineReplacesTheRunningOneButKeepsTheDefaults() {
        let config = KdumpConfig(file: "/etc/sysconfig/kdump", commandLine: "root=/dev/sda2 ro quiet crashkernel=128M",
                                 commandLineAppend: "console=ttyS1")
        let line = CaptureCommandLine(running: running, config: config, hasInitrd: true)
        // quiet stays: the replacement is taken as written, only crashkernel= goes.
        #expect(line.text == "root=/dev/sda2 ro quiet irqpoll nr_cpus=1 reset_devices console=ttyS1 "
            + "systemd.unit=kreboot-save-dump.service")
        #expect(line.explanation.hasPrefix("KDUMP_COMMANDLINE"))
    }

    @Test func removeTakesParametersOutByKey() {
        let config = KdumpConfig(file: "/etc/sysconfig/kdump", commandLineRemove: "console printk.devkmsg")
        let line = CaptureCommandLine(running: running, config: config, hasInitrd: true)
        #expect(!line.text.contains("console="))
        #expect(!line.text.contains("printk.devkmsg"))
        #expect(line.text.hasPrefix("root=/dev/nvme0n1 ro irqpoll"))
    }

    @Test func appendedValuesWinOverTheDefaultsAndAreNotDoubled() throws {
        // Red Hat's KDUMP_COMMANDLINE_APPEND already holds the defaults.
        let config = try #require(KdumpConfigReader.read(root: SnapshotFixtures.root("kdump/redhat")))
        let line = CaptureCommandLine(running: running, config: config, hasInitrd: true)
        let words = line.text.split(separator: " ").map(String.init)
        #expect(words.filter { $0.hasPrefix("nr_cpus=") } == ["nr_cpus=1"])
        #expect(words.filter { $0 == "irqpoll" }.count == 1)
        #expect(words.contains("cgroup_disable=memory"))
        #expect(!words.contains("hugepages=64"))
        let appended = CaptureCommandLine(running: running, config: KdumpConfig(file: "f", commandLineAppend: "nr_cpus=2"), hasInitrd: true)
        #expect(appended.text.split(separator: " ").filter { $0.hasPrefix("nr_cpus=") } == ["nr_cpus=2"])
    }

    @Test func kdumpToolsOwnUnitIsKeptAndKrebootAddsNone() throws {
        let config = try #require(KdumpConfigReader.read(root: SnapshotFixtures.root("kdump/debian")))
        let line = CaptureCommandLine(running: running, config: config, hasInitrd: true)
        #expect(line.entry == .configured)
        #expect(line.text.contains("systemd.unit=kdump-tools-dump.service"))
        #expect(!line.text.contains("kreboot-save-dump"))
        #expect(line.text.split(separator: " ").filter { $0 == "reset_devices" }.count == 1)
    }

    @Test func theRunningInitsArgumentsAndOwnEntryAreNotInherited() {
        let line = CaptureCommandLine(running: "root=/dev/vda init=/sbin/other systemd.unit=rescue.target -- single",
                                      config: nil, hasInitrd: false)
        #expect(line.text == "root=/dev/vda irqpoll nr_cpus=1 reset_devices init=/usr/sbin/kreboot -- save-dump")
    }

    @Test func theUsersCommandLineReplacesEverythingAndAppendGoesBeforeTheConfiguredEntry() {
        let explicit = CaptureCommandLine(running: running, config: nil, hasInitrd: true, override: "root=/dev/vda ro",
                                          append: "console=ttyS0")
        #expect(explicit.text == "root=/dev/vda ro console=ttyS0")
        #expect(explicit.entry == .configured)
        #expect(explicit.explanation == "from --command-line plus --append")

        let config = KdumpConfig(file: "/etc/default/kdump-tools",
                                 commandLineAppend: "init=/usr/local/bin/kreboot -- save-dump --mount /dev/nvme0n2")
        let line = CaptureCommandLine(running: "root=/dev/vda ro", config: config, hasInitrd: false, append: "loglevel=7")
        #expect(line.text == "root=/dev/vda ro irqpoll nr_cpus=1 reset_devices loglevel=7 "
            + "init=/usr/local/bin/kreboot -- save-dump --mount /dev/nvme0n2")
        #expect(line.entry == .configured)
        // An init= of the user's own makes the entry configured too.
        let own = CaptureCommandLine(running: "root=/dev/vda ro", config: nil, hasInitrd: true, append: "init=/bin/sh")
        #expect(own.entry == .configured)
        #expect(!own.text.contains("kreboot-save-dump"))
    }
}
