@testable import RebootPlan
import LinuxSystem
import KexecCore
import Testing

/// GRUB's configuration where UEFI systems keep it: grub.cfg and grubenv on the EFI system partition (RHEL and
/// CentOS 7 and 8), the Debian/Ubuntu stub that hands over with `search` + `configfile`, and `configfile` itself.
@Suite struct BootLoaderEFIGrubTests {
    static let centos7Mid = "a3c0e5f7d2b94b0f8e6c1d2a3b4c5d6e"
    static let centos8Mid = "5f4e3d2c1b0a49f8a7b6c5d4e3f2a1b0"
    static let centos7Options = "root=/dev/mapper/centos-root ro crashkernel=auto spectre_v2=retpoline rd.lvm.lv=centos/root rd.lvm.lv=centos/swap rhgb quiet LANG=en_US.UTF-8"

    /// / on LVM, /boot on its own xfs, the ESP at /boot/efi (an installed CentOS 7 or 8 as mounted).
    static func redHatMounts() -> [MountEntry] {
        [MountEntry(id: 60, parentID: 1, source: "/dev/mapper/centos-root", target: "/", fstype: "xfs", device: "253:0"),
         MountEntry(id: 61, parentID: 60, source: "/dev/sda2", target: "/boot", fstype: "xfs", device: "8:2"),
         MountEntry(id: 62, parentID: 61, source: "/dev/sda1", target: "/boot/efi", fstype: "vfat", device: "8:1")]
    }

    @Test(arguments: [false, true])
    func centos7GrubCfgOnTheESPGivesItsEntriesAndSavedDefault(withMountTable: Bool) throws {
        let d = BootLoaderFixtures.read("centos7-efi", mounts: withMountTable ? Self.redHatMounts() : [])
        let v = "3.10.0-1160.118.1.el7.x86_64"
        #expect(d.kind == .grub)
        #expect(d.configFile == "/boot/efi/EFI/centos/grub.cfg")
        #expect(d.problems.isEmpty)
        #expect(d.defaultRule == "GRUB saved_entry \"CentOS Linux (\(v)) 7 (Core)\" from /boot/efi/EFI/centos/grubenv")
        #expect(d.entries.map(\.kernel) == ["/boot/vmlinuz-3.10.0-1160.119.1.el7.x86_64", "/boot/vmlinuz-\(v)",
                                            "/boot/vmlinuz-3.10.0-1160.el7.x86_64", "/boot/vmlinuz-0-rescue-\(Self.centos7Mid)"])
        let entry = try #require(d.defaultEntry)
        #expect(d.defaultIndex == 1)
        #expect(entry.title == "CentOS Linux (\(v)) 7 (Core)")
        #expect(entry.id == "gnulinux-\(v)-advanced-d4b7c6a2-5e8f-4a1b-9c3d-2e1f0a9b8c7d")
        #expect(entry.initrds == ["/boot/initramfs-\(v).img"])
        #expect(entry.options == Self.centos7Options)
        #expect(entry.extra["linux-command"] == "linuxefi")
        #expect(entry.file == "/boot/efi/EFI/centos/grub.cfg")
    }

    @Test func centos7WithoutAnyWayToFindTheBootUUIDSaysItGuessed() throws {
        let tree = BootLoaderFixtures.ScratchTree()
        let fixture = BootLoaderFixtures.root("centos7-efi")
        tree.write("/boot/efi/EFI/centos/grub.cfg", fixture.readText("/boot/efi/EFI/centos/grub.cfg")!)
        tree.write("/boot/vmlinuz-3.10.0-1160.119.1.el7.x86_64", "k")
        let d = tree.readBootLoader()
        #expect(d.defaultEntry?.kernel == "/boot/vmlinuz-3.10.0-1160.119.1.el7.x86_64")
        #expect(d.problems.contains { $0.contains("--fs-uuid 6b1a4f0e-2c3d-4e5f-8a9b-0c1d2e3f4a5b") && $0.contains("/boot or /") })
    }

    @Test(arguments: [false, true])
    func centos8BlscfgOnTheESPExpandsKerneloptsFromTheESPGrubenv(withMountTable: Bool) throws {
        let d = BootLoaderFixtures.read("centos8-efi", mounts: withMountTable ? Self.redHatMounts() : [])
        let m = Self.centos8Mid
        #expect(d.kind == .grub)
        #expect(d.configFile == "/boot/efi/EFI/centos/grub.cfg")
        #expect(d.problems.isEmpty)
        #expect(d.entries.map(\.id) == ["\(m)-4.18.0-552.el8.x86_64", "\(m)-4.18.0-547.el8.x86_64",
                                        "\(m)-4.18.0-540.el8.x86_64", "\(m)-0-rescue"])
        #expect(d.entries.allSatisfy { $0.source == .bls })
        #expect(d.defaultRule == "GRUB saved_entry \"\(m)-4.18.0-547.el8.x86_64\" from /boot/efi/EFI/centos/grubenv")
        let entry = try #require(d.defaultEntry)
        #expect(d.defaultIndex == 1)
        #expect(entry.title == "CentOS Stream (4.18.0-547.el8.x86_64) 8")
        #expect(entry.kernel == "/boot/vmlinuz-4.18.0-547.el8.x86_64")
        #expect(entry.initrds == ["/boot/initramfs-4.18.0-547.el8.x86_64.img"])
        #expect(entry.options == "root=/dev/mapper/cs-root ro crashkernel=auto resume=/dev/mapper/cs-swap rd.lvm.lv=cs/root rd.lvm.lv=cs/swap rhgb quiet")
        #expect(d.entries.allSatisfy { !($0.options ?? "").contains("$") })
    }

    @Test func debianESPStubHandsOverToBootGrubGrubCfg() throws {
        let u = BootLoaderGrubFixtureTests.debianUUID
        for mounts in [[], BootLoaderFixtures.mounts(["/boot/efi"])] {
            let d = BootLoaderFixtures.read("debian12-efi", mounts: mounts)
            #expect(d.kind == .grub)
            #expect(d.configFile == "/boot/grub/grub.cfg")
            #expect(d.problems.isEmpty)
            #expect(d.defaultRule == "GRUB saved_entry \"gnulinux-advanced-\(u)>gnulinux-6.1.0-27-amd64-advanced-\(u)\" from /boot/grub/grubenv (/boot/efi/EFI/debian/grub.cfg → /boot/grub/grub.cfg by configfile)")
            let entry = try #require(d.defaultEntry)
            #expect(entry.kernel == "/boot/vmlinuz-6.1.0-27-amd64")
            #expect(entry.index == "1>2")
            #expect(entry.options == "root=UUID=\(u) ro quiet")
        }
    }

    @Test func stubWithSeparateBootFindsTheBootFileSystemByUUIDLink() throws {
        let tree = BootLoaderFixtures.ScratchTree()
        tree.write("/boot/efi/EFI/ubuntu/grub.cfg", "search.fs_uuid 11111111-2222-3333-4444-555555555555 root hd0,gpt2 \nset prefix=($root)'/grub'\nconfigfile $prefix/grub.cfg\n")
        tree.write("/boot/grub/grub.cfg", "set default=0\nmenuentry 'Ubuntu' { search --no-floppy --fs-uuid --set=root 11111111-2222-3333-4444-555555555555\n linux /vmlinuz-6.8.0-45-generic root=/dev/vda3 ro\n initrd /initrd.img-6.8.0-45-generic }\n")
        tree.write("/boot/vmlinuz-6.8.0-45-generic", "k")
        tree.link("/dev/disk/by-uuid/11111111-2222-3333-4444-555555555555", to: "../../vda2")
        let mounts = [MountEntry(id: 22, parentID: 1, source: "/dev/vda3", target: "/", fstype: "ext4", device: "252:3"),
                      MountEntry(id: 23, parentID: 22, source: "/dev/vda2", target: "/boot", fstype: "ext4", device: "252:2"),
                      MountEntry(id: 24, parentID: 23, source: "/dev/vda1", target: "/boot/efi", fstype: "vfat", device: "252:1")]
        let d = tree.readBootLoader(mounts: mounts)
        #expect(d.configFile == "/boot/grub/grub.cfg")
        #expect(d.problems.isEmpty)
        #expect(d.defaultEntry?.kernel == "/boot/vmlinuz-6.8.0-45-generic")
    }

    @Test func configfileDropsTheEntriesDefinedBeforeAndSourceKeepsThem() {
        let tree = BootLoaderFixtures.ScratchTree()
        tree.write("/boot/grub/other.cfg", "menuentry 'Other' --id other { linux /boot/vmlinuz-other }\n")
        tree.write("/boot/grub/grub.cfg", "menuentry 'First' --id first { linux /boot/vmlinuz-first }\nsource /boot/grub/other.cfg\n")
        #expect(tree.readBootLoader().entries.map(\.id) == ["first", "other"])
        tree.write("/boot/grub/grub.cfg", "menuentry 'First' --id first { linux /boot/vmlinuz-first }\nconfigfile /boot/grub/other.cfg\nmenuentry 'After' { linux /boot/vmlinuz-after }\n")
        let handedOver = tree.readBootLoader()
        #expect(handedOver.entries.map(\.id) == ["other"])
        #expect(handedOver.configFile == "/boot/grub/other.cfg")
        tree.write("/boot/grub/grub.cfg", "menuentry 'First' --id first { linux /boot/vmlinuz-first }\nconfigfile /boot/grub/missing.cfg\n")
        let missing = tree.readBootLoader()
        #expect(missing.entries.map(\.id) == ["first"])
        #expect(missing.problems.contains { $0.contains("configfile /boot/grub/missing.cfg: no such file") })
    }

    @Test func configfileLoopIsReportedNotFollowed() {
        let tree = BootLoaderFixtures.ScratchTree()
        tree.write("/boot/grub/grub.cfg", "configfile /boot/grub/b.cfg\n")
        tree.write("/boot/grub/b.cfg", "configfile /boot/grub/grub.cfg\n")
        let d = tree.readBootLoader()
        #expect(d.defaultEntry == nil)
        #expect(d.problems.contains { $0.contains("loops back") })
    }

    @Test func searchCommandForms() {
        #expect(GrubSearch.parse(["search", "--no-floppy", "--fs-uuid", "--set=root", "--hint-efi=hd0,gpt2", "ABCD"])
            == GrubSearch(kind: .fsUUID, value: "ABCD", variable: "root"))
        #expect(GrubSearch.parse(["search.fs_uuid", "ABCD", "root", "hd0,gpt2"]) == GrubSearch(kind: .fsUUID, value: "ABCD", variable: "root"))
        #expect(GrubSearch.parse(["search", "--file", "--set=dev", "/boot/grub/grub.cfg"]) == GrubSearch(kind: .file, value: "/boot/grub/grub.cfg", variable: "dev"))
        #expect(GrubSearch.parse(["search", "-l", "-s", "BOOT"]) == GrubSearch(kind: .label, value: "BOOT", variable: "root"))
        #expect(GrubSearch.parse(["search.fs_label", "EFI"]) == GrubSearch(kind: .label, value: "EFI", variable: nil))
        #expect(GrubSearch.parse(["search", "--set=root"]) == nil)
    }

    @Test func searchByFileAndLabelFindTheMountHoldingIt() {
        let tree = BootLoaderFixtures.ScratchTree()
        tree.write("/boot/grub/grub.cfg", "x")
        tree.write("/etc/fstab", "LABEL=bootfs /boot ext4 defaults 0 2\n/dev/vda3 / ext4 defaults 0 1\n")
        let finder = GrubDeviceFinder(root: tree.root, mounts: [])
        #expect(finder.mountPoint(for: GrubSearch(kind: .label, value: "bootfs")) == "/boot")
        #expect(finder.mountPoint(for: GrubSearch(kind: .file, value: "/grub/grub.cfg")) == "/boot")
        #expect(finder.mountPoint(for: GrubSearch(kind: .file, value: "/boot/grub/grub.cfg")) == nil)
        #expect(finder.mountPoint(for: GrubSearch(kind: .fsUUID, value: "nope")) == nil)
        withExtendedLifetime(tree) {}
    }

    /// The stub's UUID found nowhere: the /boot/grub/grub.cfg that exists is taken, and the plan says so.
    @Test func stubWithAnUnknownUUIDFallsBackToTheFileThatExistsAndSaysSo() {
        let tree = BootLoaderFixtures.ScratchTree()
        tree.write("/boot/efi/EFI/debian/grub.cfg", "search.fs_uuid 0000-UNKNOWN root hd0,gpt2 \nset prefix=($root)'/boot/grub'\nconfigfile $prefix/grub.cfg\n")
        tree.write("/boot/grub/grub.cfg", "menuentry 'Debian' { linux /boot/vmlinuz-6.1.0-28-amd64 root=/dev/vda2 ro }\n")
        tree.write("/boot/vmlinuz-6.1.0-28-amd64", "k")
        let d = tree.readBootLoader()
        #expect(d.configFile == "/boot/grub/grub.cfg")
        #expect(d.defaultEntry?.kernel == "/boot/vmlinuz-6.1.0-28-amd64")
        #expect(d.problems.contains { $0.hasPrefix("/boot/efi/EFI/debian/grub.cfg: GRUB's search --fs-uuid 0000-UNKNOWN found no file system") })
    }
}

/// The order of GRUB's blscfg menu: rpm's version comparison, by version when every entry has one.
@Suite struct GrubBLSOrderTests {
    @Test func rpmVersionComparison() {
        let ordered = ["1.0~rc1", "1.0", "1.0a", "1.0.1", "1.1", "1.10", "2"]
        for i in ordered.indices {
            for j in ordered.indices {
                let c = RPMVersionComparison.compare(ordered[i], ordered[j])
                #expect((i < j && c < 0) || (i == j && c == 0) || (i > j && c > 0), "\(ordered[i]) vs \(ordered[j]) gave \(c)")
            }
        }
        #expect(RPMVersionComparison.compare("4.18.0-552.el8.x86_64", "4.18.0-547.el8.x86_64") > 0)
        #expect(RPMVersionComparison.compare("5.14.0-427.13.1.el9_4.x86_64", "5.14.0-427.el9.x86_64") > 0)
        #expect(RPMVersionComparison.compare("0-rescue-abc", "4.18.0-552.el8.x86_64") < 0)
        #expect(RPMVersionComparison.compare("1.01", "1.1") == 0)
    }

    @Test func withoutAVersionOnEveryEntryOnlyFileNamesCount() {
        func found(_ name: String, _ version: String?) -> BLSReader.Found {
            BLSReader.Found(entry: BLSEntry(fileName: name + ".conf", file: "/boot/loader/entries/\(name).conf", id: name,
                                            version: version, linux: "/vmlinuz"),
                            location: BLSReader.locations[0])
        }
        let versioned = [found("a-1", "9.0"), found("b-2", "10.0")]
        #expect(BLSSorter.grubBLSSorted(versioned).map(\.entry.id) == ["b-2", "a-1"])
        let mixed = [found("a-1", "9.0"), found("b-2", "10.0"), found("c-0", nil)]
        #expect(BLSSorter.grubBLSSorted(mixed).map(\.entry.id) == ["c-0", "b-2", "a-1"])
    }
}
