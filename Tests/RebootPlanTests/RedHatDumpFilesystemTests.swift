import FoundationEssentials
import LinuxSystem
@testable import RebootPlan
import Testing

/// Red Hat's dump target file system (`xfs /dev/vg/crash` in /etc/kdump.conf): the save directory is where the
/// running system mounts it plus `path`; a target kreboot cannot use fails the kdump configuration, naming it.
@Suite struct RedHatDumpFilesystemTests {
    let mounts = [
        MountEntry(id: 20, parentID: 1, source: "/dev/mapper/rhel-root", target: "/", fstype: "xfs", device: "253:0"),
        MountEntry(id: 21, parentID: 20, source: "/dev/vda1", target: "/boot", fstype: "xfs", device: "252:1"),
        MountEntry(id: 22, parentID: 20, source: "/dev/mapper/rhel-crash", target: "/crash", fstype: "xfs", device: "253:2"),
    ]

    func resolve(_ text: String, in tree: BootLoaderFixtures.ScratchTree) -> KdumpConfig {
        RedHatDumpFilesystem.resolve(RedHatKdumpConfReader.parse(text: text), root: tree.root, mounts: mounts)
    }

    @Test func aDeviceLinkIsFoundWhereItsTargetIsMountedAndPathIsBelowIt() throws {
        let tree = BootLoaderFixtures.ScratchTree()
        tree.link("/dev/rhel/crash", to: "../mapper/rhel-crash")
        let config = resolve("xfs /dev/rhel/crash\npath /var/crash\ncore_collector makedumpfile -l -d 31\n", in: tree)
        #expect(config.targetError == nil)
        #expect(config.localSaveDir == "/crash/var/crash")
        let delivery = try DumpDelivery.read(config)
        #expect(delivery.target.localDirectory == "/crash/var/crash")
    }

    @Test func aUUIDIsFoundThroughItsUdevLinkAndPathDefaultsToVarCrash() {
        let tree = BootLoaderFixtures.ScratchTree()
        tree.link("/dev/disk/by-uuid/5b0c5d3e-1111-2222-3333-444455556666", to: "../../vda1")
        let config = resolve("ext4 UUID=5b0c5d3e-1111-2222-3333-444455556666\n", in: tree)
        #expect(config.localSaveDir == "/boot/var/crash")
    }

    @Test func aLabelKnownOnlyToFstabCountsWhereFstabMountsIt() {
        let tree = BootLoaderFixtures.ScratchTree()
        tree.write("/etc/fstab", "LABEL=dumps /crash xfs defaults 0 0\n")
        let config = resolve("xfs LABEL=dumps\npath dumps\n", in: tree)
        #expect(config.localSaveDir == "/crash/dumps")
    }

    @Test func theRootFileSystemAsTargetKeepsPathAsIs() {
        let tree = BootLoaderFixtures.ScratchTree()
        let config = resolve("xfs /dev/mapper/rhel-root\npath /var/crash\n", in: tree)
        #expect(config.localSaveDir == "/var/crash")
    }

    @Test func anUnmountedTargetFailsTheConfigurationNamingIt() {
        let tree = BootLoaderFixtures.ScratchTree()
        let config = resolve("ext4 UUID=0000-not-here\npath /var/crash\n", in: tree)
        #expect(config.localSaveDir == nil)
        #expect(throws: KdumpConfigError.self) { try DumpDelivery.read(config) }
        #expect(config.targetError?.message == "/etc/kdump.conf: ext4: UUID=0000-not-here is not mounted: kreboot saves on the dump target where this system mounts it (add it to /etc/fstab and mount it)")
    }

    @Test func aRawPartitionAndAMissingDeviceAreRefused() {
        let tree = BootLoaderFixtures.ScratchTree()
        let raw = resolve("raw /dev/sdb1\n", in: tree)
        #expect(raw.targetError?.option == "raw")
        #expect(raw.targetError?.reason.contains("raw partition are not supported") == true)
        let bare = resolve("xfs\n", in: tree)
        #expect(bare.syntaxError?.reason.hasPrefix("no device (write `xfs /dev/…`") == true)
        let noTable = RedHatDumpFilesystem.resolve(RedHatKdumpConfReader.parse(text: "xfs /dev/rhel/crash\n"), root: tree.root, mounts: nil)
        #expect(noTable.targetError?.reason.contains("mount table could not be read") == true)
    }

    @Test func withoutATargetLineNothingChanges() {
        let tree = BootLoaderFixtures.ScratchTree()
        let config = resolve("path /srv/crash\n", in: tree)
        #expect(config.targetError == nil)
        #expect(config.localSaveDir == "/srv/crash")
    }

    @Test func theReaderResolvesAgainstTheTreesMountTable() throws {
        let tree = BootLoaderFixtures.ScratchTree()
        tree.write("/etc/kdump.conf", "xfs /dev/mapper/rhel-crash\npath /var/crash\n")
        tree.write("/proc/self/mountinfo", """
            20 1 253:0 / / rw,relatime - xfs /dev/mapper/rhel-root rw
            22 20 253:2 / /crash rw,relatime - xfs /dev/mapper/rhel-crash rw

            """)
        let config = try #require(KdumpConfigReader.read(root: tree.root))
        #expect(config.localSaveDir == "/crash/var/crash")
        #expect(KdumpConfigReader.readAll(root: tree.root).first?.localSaveDir == "/crash/var/crash")
    }
}
