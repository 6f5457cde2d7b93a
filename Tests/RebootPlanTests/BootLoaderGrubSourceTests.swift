@testable import RebootPlan
import LinuxSystem
import KexecCore
import Testing

/// `source FILE` in grub.cfg: FILE's entries and assignments count where the command stands.
@Suite struct BootLoaderGrubSourceTests {
    /// What Debian's /etc/grub.d/41_custom writes into grub.cfg.
    static let debianCustom = """
    if [ -f  ${config_directory}/custom.cfg ]; then
      source ${config_directory}/custom.cfg
    elif [ -z "${config_directory}" -a -f  $prefix/custom.cfg ]; then
      source $prefix/custom.cfg
    fi
    """

    static let generated = """
    set default="${saved_entry}"
    menuentry 'Debian GNU/Linux' --id gnulinux-simple { linux /boot/vmlinuz-6.1.0-28-amd64 root=/dev/vda1 ro }
    """ + "\n" + debianCustom

    static let custom = """
    menuentry 'Custom 6.12' --id custom-612 {
        linux /boot/vmlinuz-6.12.9-amd64 root=/dev/vda1 ro quiet
        initrd /boot/initrd.img-6.12.9-amd64
    }
    """

    func read(_ files: [String: String], env: [String: String] = [:], mounts: [MountEntry] = []) -> BootLoaderDiscovery {
        let tree = BootLoaderFixtures.ScratchTree()
        for (path, text) in files { tree.write(path, text) }
        if !env.isEmpty {
            var block = GrubEnvironment.signature + "\n" + env.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)\n" }.joined()
            block += String(repeating: "#", count: max(0, 1024 - block.utf8.count))
            tree.write("/boot/grub/grubenv", block)
        }
        return tree.readBootLoader(mounts: mounts)
    }

    @Test func aSavedEntryFromCustomCfgIsTheDefault() {
        let d = read(["/boot/grub/grub.cfg": Self.generated, "/boot/grub/custom.cfg": Self.custom],
                     env: ["saved_entry": "Custom 6.12"])
        #expect(d.entries.map(\.title) == ["Debian GNU/Linux", "Custom 6.12"])
        #expect(d.defaultEntry?.kernel == "/boot/vmlinuz-6.12.9-amd64")
        #expect(d.defaultEntry?.index == "1")
        #expect(d.defaultEntry?.file == "/boot/grub/custom.cfg")
        #expect(d.defaultEntry?.initrds == ["/boot/initrd.img-6.12.9-amd64"])
        #expect(d.entries.first?.file == "/boot/grub/grub.cfg")
        #expect(d.problems.isEmpty)
    }

    @Test func withoutCustomCfgTheMenuIsGrubCfgAlone() {
        let d = read(["/boot/grub/grub.cfg": Self.generated], env: ["saved_entry": "Custom 6.12"])
        #expect(d.entries.map(\.title) == ["Debian GNU/Linux"])
        #expect(d.defaultEntry?.title == "Debian GNU/Linux")
    }

    @Test func aSeparateBootPartitionSourcesFromItsOwnRoot() {
        // GRUB sees /boot's file system as its root: config_directory is /grub, the file /boot/grub/custom.cfg.
        let d = read(["/boot/grub/grub.cfg": Self.generated, "/boot/grub/custom.cfg": Self.custom],
                     env: ["saved_entry": "custom-612"], mounts: BootLoaderFixtures.mounts(["/boot"]))
        #expect(d.defaultEntry?.file == "/boot/grub/custom.cfg")
        #expect(d.defaultEntry?.title == "Custom 6.12")
    }

    @Test func assignmentsInASourcedFileStand() {
        let cfg = "menuentry 'Zero' { linux /vmlinuz-0 }\nsource /boot/grub/extra.cfg\nmenuentry 'Two' { linux /vmlinuz-2 }\n"
        let extra = "set default=2\nmenuentry 'One' { linux /vmlinuz-1 }\n"
        let d = read(["/boot/grub/grub.cfg": cfg, "/boot/grub/extra.cfg": extra])
        #expect(d.entries.map(\.title) == ["Zero", "One", "Two"])
        #expect(d.defaultEntry?.title == "Two")
    }

    @Test func aSourceInABranchNotTakenIsNotRead() {
        let cfg = "set flavour=server\nmenuentry 'Zero' { linux /vmlinuz-0 }\nif [ \"$flavour\" = desktop ]; then\n  source /boot/grub/extra.cfg\nfi\n"
        let d = read(["/boot/grub/grub.cfg": cfg, "/boot/grub/extra.cfg": "menuentry 'Extra' { linux /vmlinuz-x }\n"])
        #expect(d.entries.map(\.title) == ["Zero"])
    }

    @Test func aFileThatSourcesItselfEnds() {
        let loop = "menuentry 'Again' { linux /vmlinuz-a }\nsource /boot/grub/loop.cfg\n"
        let d = read(["/boot/grub/grub.cfg": "source /boot/grub/loop.cfg\n", "/boot/grub/loop.cfg": loop])
        // The loop is found by the file's identity (device and inode), not after a count of levels.
        #expect(d.entries.count == 1)
        #expect(d.defaultEntry?.title == "Again")
        #expect(d.problems.contains("/boot/grub/loop.cfg: sourced while it is being read (a source loop); skipped"))
    }

    @Test func garbageInASourcedFileIsReportedWithItsName() {
        let d = read(["/boot/grub/grub.cfg": "menuentry 'Zero' { linux /vmlinuz-0 }\nsource /boot/grub/bad.cfg\n",
                      "/boot/grub/bad.cfg": "menuentry 'Broken' {\n linux /vmlinuz-b\n"])
        #expect(d.entries.first?.title == "Zero")
        #expect(d.problems.contains { $0.hasPrefix("/boot/grub/bad.cfg") })
    }
}
