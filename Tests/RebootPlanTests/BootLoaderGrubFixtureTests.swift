@testable import RebootPlan
import LinuxSystem
import KexecCore
import Testing

/// The GRUB fixture trees: which entry each system boots by default, and why.
@Suite struct BootLoaderGrubFixtureTests {
    static let debianUUID = "3f7c2a4e-9b1d-4c8e-a5f6-2d7e8b9c0a1f"

    @Test func debian12BootsSavedEntryInsideTheAdvancedSubmenu() throws {
        let d = BootLoaderFixtures.read("debian12")
        let u = Self.debianUUID
        #expect(d.kind == .grub)
        #expect(d.configFile == "/boot/grub/grub.cfg")
        #expect(d.problems.isEmpty)
        #expect(d.defaultRule == "GRUB saved_entry \"gnulinux-advanced-\(u)>gnulinux-6.1.0-27-amd64-advanced-\(u)\" from /boot/grub/grubenv")
        let entry = try #require(d.defaultEntry)
        #expect(entry.id == "gnulinux-6.1.0-27-amd64-advanced-\(u)")
        #expect(entry.index == "1>2")
        #expect(entry.kernel == "/boot/vmlinuz-6.1.0-27-amd64")
        #expect(entry.initrds == ["/boot/initrd.img-6.1.0-27-amd64"])
        #expect(entry.options == "root=UUID=\(u) ro quiet")
        #expect(entry.menuPath == ["Advanced options for Debian GNU/Linux", "Debian GNU/Linux, with Linux 6.1.0-27-amd64"])
        #expect(entry.source == .grub)
        #expect(entry.file == "/boot/grub/grub.cfg")
        #expect(entry.extra["class"] == "debian gnu-linux gnu os")
    }

    @Test func debian12ListsEveryMenuEntryWithGrubIndexesThenTheSymlink() {
        let d = BootLoaderFixtures.read("debian12")
        // The UEFI Firmware Settings entry (index 2) loads no kernel: it counts for indexes but is not listed.
        #expect(d.entries.map(\.index) == ["0", "1>0", "1>1", "1>2", "1>3", ""])
        #expect(d.entries[2].options == "root=UUID=\(Self.debianUUID) ro single")
        let symlink = d.entries[5]
        #expect(symlink.source == .symlink)
        #expect(symlink.id == "vmlinuz")
        #expect(symlink.file == "/vmlinuz")
        #expect(symlink.kernel == "/boot/vmlinuz-6.1.0-28-amd64")
        #expect(symlink.initrds == ["/boot/initrd.img-6.1.0-28-amd64"])
        #expect(symlink.options == nil)
    }

    @Test func debian12WithRootOnlyMountTableKeepsPathsAsWritten() {
        let d = BootLoaderFixtures.read("debian12", mounts: BootLoaderFixtures.mounts([]))
        #expect(d.defaultEntry?.kernel == "/boot/vmlinuz-6.1.0-27-amd64")
    }

    @Test func ubuntuNextEntryFromGrubRebootWinsOverDefaultZero() throws {
        let d = BootLoaderFixtures.read("ubuntu2204")
        #expect(d.defaultRule == "GRUB next_entry \"1>2\" from /boot/grub/grubenv (one-time default set by grub-reboot)")
        let entry = try #require(d.defaultEntry)
        #expect(entry.index == "1>2")
        #expect(entry.title == "Ubuntu, with Linux 5.15.0-89-generic")
        #expect(entry.kernel == "/boot/vmlinuz-5.15.0-89-generic")
        #expect(entry.initrds == ["/boot/initrd.img-5.15.0-89-generic"])
        // grubenv has recordfail=1, so linux_gfx_mode=text and `gfxmode text` leaves $vt_handoff empty.
        #expect(entry.options == "root=UUID=9a8b7c6d-5e4f-4a3b-8c2d-1e0f9a8b7c6d ro quiet splash")
    }

    @Test func ubuntuMemtestWithLinux16IsAnEntryAndKnetbsdIsNot() throws {
        let d = BootLoaderFixtures.read("ubuntu2204")
        let memtest = try #require(d.entries.first { $0.kernel == "/boot/memtest86+.bin" })
        #expect(memtest.index == "3")
        #expect(memtest.id == "Memory test (memtest86+.bin, serial console 115200)")
        #expect(memtest.extra["linux-command"] == "linux16")
        #expect(memtest.options == "console=ttyS0,115200n8")
        #expect(!d.entries.contains { $0.title.contains("memtest86+.elf") })
        #expect(d.entries.last?.file == "/boot/vmlinuz")
    }

    @Test func openSUSESavedEntryIsATitle() throws {
        let d = BootLoaderFixtures.read("opensuse-tw")
        #expect(d.configFile == "/boot/grub2/grub.cfg")
        #expect(d.defaultRule == "GRUB saved_entry \"openSUSE Tumbleweed\" from /boot/grub2/grubenv")
        let entry = try #require(d.defaultEntry)
        #expect(entry.index == "0")
        #expect(entry.kernel == "/boot/vmlinuz-6.6.3-1-default")
        #expect(entry.initrds == ["/boot/initrd-6.6.3-1-default"])
        #expect(entry.options == "root=UUID=5a6b7c8d-9e0f-4a1b-b2c3-d4e5f6a7b8c9 splash=silent mitigations=auto quiet security=apparmor")
        let symlink = try #require(d.entries.last)
        #expect(symlink.source == .symlink)
        #expect(symlink.file == "/boot/vmlinuz")
        #expect(symlink.initrds == ["/boot/initrd-6.6.3-1-default"])
    }

    @Test func separateBootPartitionPrefixesGrubPaths() throws {
        let mounts = BootLoaderFixtures.mounts(["/boot", "/boot/efi"])
        let d = BootLoaderFixtures.read("separate-boot", mounts: mounts)
        #expect(d.defaultRule == "GRUB set default=\"Advanced options for Debian GNU/Linux>Debian GNU/Linux, with Linux 6.1.0-27-amd64\" in /boot/grub/grub.cfg")
        let entry = try #require(d.defaultEntry)
        #expect(entry.index == "1>2")
        #expect(entry.kernel == "/boot/vmlinuz-6.1.0-27-amd64")
        #expect(entry.initrds == ["/boot/initrd.img-6.1.0-27-amd64"])
    }

    @Test func separateBootDevicePrefixesAndLineContinuation() throws {
        let d = BootLoaderFixtures.read("separate-boot", mounts: BootLoaderFixtures.mounts(["/boot", "/boot/efi"]))
        let custom = try #require(d.entries.first { $0.id == "custom-device-path" })
        #expect(custom.index == "3")
        #expect(custom.kernel == "/boot/vmlinuz-6.1.0-28-amd64")
        #expect(custom.initrds == ["/boot/initrd.img-6.1.0-28-amd64"])
        #expect(custom.options == "root=UUID=3f7c2a4e-9b1d-4c8e-a5f6-2d7e8b9c0a1f ro console=ttyS0,115200 console=tty0")
    }

    @Test func separateBootWithoutMountTableFallsBackToExistingFiles() {
        let d = BootLoaderFixtures.read("separate-boot", mounts: [])
        #expect(d.defaultEntry?.kernel == "/boot/vmlinuz-6.1.0-27-amd64")
        #expect(d.defaultEntry?.initrds == ["/boot/initrd.img-6.1.0-27-amd64"])
    }

    @Test func separateBootTreeReadWithBootOnRootKeepsPathsAsWritten() {
        // Same grub.cfg, but the mount table says /boot is part of /: GRUB would read /vmlinuz-… from /.
        let d = BootLoaderFixtures.read("separate-boot", mounts: BootLoaderFixtures.mounts([]))
        #expect(d.defaultEntry?.kernel == "/vmlinuz-6.1.0-27-amd64")
    }

    @Test func fedoraBlscfgInsertsBLSEntriesNewestFirstAndExpandsKernelopts() throws {
        for mounts in [[], BootLoaderFixtures.mounts(["/boot", "/boot/efi"])] {
            let d = BootLoaderFixtures.read("fedora39", mounts: mounts)
            let mid = "2d0e1bbd8a8e4f1c9a4c3b8e7f6a5d4c"
            #expect(d.kind == .grub)
            #expect(d.configFile == "/boot/grub2/grub.cfg")
            #expect(d.problems.isEmpty)
            #expect(d.defaultRule == "GRUB saved_entry \"\(mid)-6.5.6-300.fc39.x86_64\" from /boot/grub2/grubenv")
            #expect(d.entries.map(\.id) == ["\(mid)-6.6.8-200.fc39.x86_64", "\(mid)-6.5.6-300.fc39.x86_64", "\(mid)-0-rescue-\(mid)"])
            #expect(d.entries.map(\.index) == ["0", "1", "2"])
            #expect(d.entries.allSatisfy { $0.source == .bls })
            let entry = try #require(d.defaultEntry)
            #expect(d.defaultIndex == 1)
            #expect(entry.kernel == "/boot/vmlinuz-6.5.6-300.fc39.x86_64")
            #expect(entry.initrds == ["/boot/initramfs-6.5.6-300.fc39.x86_64.img"])
            #expect(entry.options == "root=UUID=c7b1e2f3-4a5b-4c6d-9e8f-7a6b5c4d3e2f ro rootflags=subvol=root rhgb quiet mitigations=auto")
            #expect(entry.file == "/boot/loader/entries/\(mid)-6.5.6-300.fc39.x86_64.conf")
            #expect(entry.version == "6.5.6-300.fc39.x86_64")
            #expect(entry.extra["grub_class"] == "fedora")
            #expect(d.entries[0].options == "root=UUID=c7b1e2f3-4a5b-4c6d-9e8f-7a6b5c4d3e2f ro rootflags=subvol=root rhgb quiet")
        }
    }

    @Test func badDefaultFallsBackToEntryZeroAndSaysSo() throws {
        let d = BootLoaderFixtures.read("bad-default")
        #expect(d.defaultIndex == 0)
        #expect(d.defaultEntry?.kernel == "/boot/vmlinuz-6.1.0-28-amd64")
        #expect(d.defaultRule.hasPrefix("GRUB saved_entry \"gnulinux-5.10.0-26-amd64-advanced-"))
        #expect(d.defaultRule.hasSuffix("GRUB falls back to entry 0"))
        #expect(d.problems.count == 1)
        let problem = try #require(d.problems.first)
        #expect(problem.hasPrefix("/boot/grub/grub.cfg: default \"gnulinux-5.10.0-26-amd64-advanced-"))
        #expect(!problem.contains("\n"))
    }
}
