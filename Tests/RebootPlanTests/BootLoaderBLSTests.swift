@testable import RebootPlan
import LinuxSystem
import KexecCore
import Testing

/// Boot Loader Spec entries as systemd-boot reads them: sorting, loader.conf defaults, boot counting.
@Suite struct BootLoaderBLSTests {
    static let mid = "8f3a9c1d2b4e4f6a8c0d1e2f3a4b5c6d"

    @Test func systemdBootFixtureSortsLikeSystemd() {
        let d = BootLoaderFixtures.read("systemd-boot")
        let m = Self.mid
        #expect(d.kind == .bls)
        #expect(d.configFile == "/boot/loader/loader.conf")
        // sort-key entries first (version descending), then the rest by id descending, exhausted (+0-3) last.
        #expect(d.entries.map(\.id) == ["\(m)-6.6.10-arch1-1", "\(m)-6.6.7-arch1-1", "\(m)-6.1.70-1-lts",
                                         "windows", "arch-fallback", "arch", "\(m)-6.5.9-arch2-1"])
        #expect(d.entries.map(\.index) == ["0", "1", "2", "3", "4", "5", "6"])
        #expect(d.problems.isEmpty)
    }

    @Test func loaderConfGlobChoosesTheDefault() throws {
        let d = BootLoaderFixtures.read("systemd-boot")
        #expect(d.defaultRule == "loader.conf default \"*lts*\" in /boot/loader/loader.conf")
        let entry = try #require(d.defaultEntry)
        let dir = "/boot/\(Self.mid)/6.1.70-1-lts"
        #expect(entry.id == "\(Self.mid)-6.1.70-1-lts")
        #expect(entry.kernel == dir + "/linux")
        #expect(entry.initrds == [dir + "/microcode-intel", dir + "/initrd"])
        #expect(entry.options == "root=UUID=0b1c2d3e-4f5a-4b6c-8d7e-9f0a1b2c3d4e rw quiet systemd.machine_id=\(Self.mid)")
        #expect(entry.sortKey == "arch")
        #expect(entry.machineID == Self.mid)
        #expect(entry.version == "6.1.70-1-lts")
        #expect(entry.extra["architecture"] == "x64")
        #expect(entry.source == .bls)
    }

    @Test func bootCountingSuffixIsNotPartOfTheId() throws {
        let d = BootLoaderFixtures.read("systemd-boot")
        let counted = try #require(d.entries.first)
        #expect(counted.file.hasSuffix("6.6.10-arch1-1+2-1.conf"))
        #expect(counted.extra["tries-left"] == "2")
        #expect(counted.extra["tries-done"] == "1")
        #expect(BLSEntryParser.identity(fileName: "foo+3-1.conf").id == "foo")
        #expect(BLSEntryParser.identity(fileName: "foo+3-1.conf").triesLeft == 3)
        #expect(BLSEntryParser.identity(fileName: "foo+0.conf").triesLeft == 0)
        #expect(BLSEntryParser.identity(fileName: "a+b.conf").id == "a+b")
        #expect(BLSEntryParser.identity(fileName: "x-1.2.conf").triesLeft == nil)
    }

    @Test func efiOnlyEntryIsAnEntry() throws {
        let d = BootLoaderFixtures.read("systemd-boot")
        let windows = try #require(d.entries.first { $0.id == "windows" })
        #expect(windows.kernel == "/boot/EFI/Microsoft/Boot/bootmgfw.efi")
        #expect(windows.extra["efi"] == "/EFI/Microsoft/Boot/bootmgfw.efi")
        #expect(windows.options == nil)
    }

    /// The order systemd documents for strverscmp_improved(), oldest first.
    @Test func systemdVersionComparisonOrder() {
        let ordered = ["122.1", "123~rc1-1", "123", "123-a", "123-a.1", "123-1", "123-1.1", "123^post1",
                       "123.a-1", "123.1-1", "123a-1", "124-1"]
        for i in ordered.indices {
            for j in ordered.indices {
                let c = SystemdVersionComparison.compare(ordered[i], ordered[j])
                #expect((i < j && c < 0) || (i == j && c == 0) || (i > j && c > 0), "\(ordered[i]) vs \(ordered[j]) gave \(c)")
            }
        }
        #expect(SystemdVersionComparison.compare("6.6.10", "6.6.7") > 0)
        #expect(SystemdVersionComparison.compare("00123", "123") == 0)
        #expect(SystemdVersionComparison.compare("123_a", "123a") == 0)
        #expect(SystemdVersionComparison.compare(nil, "1") < 0)
    }

    @Test func sortKeyMachineIdVersionThenId() {
        func entry(_ id: String, key: String? = nil, mid: String? = nil, version: String? = nil, left: Int? = nil) -> BLSEntry {
            BLSEntry(fileName: id + ".conf", file: "/x/" + id + ".conf", id: id, triesLeft: left,
                     version: version, machineID: mid, sortKey: key, linux: "/l")
        }
        let entries = [
            entry("old-style-1"), entry("old-style-10"),
            entry("b", key: "fedora", mid: "bbbb", version: "6.1"),
            entry("a", key: "fedora", mid: "aaaa", version: "5.0"),
            entry("c", key: "fedora", mid: "aaaa", version: "6.2"),
            entry("d", key: "arch", version: "1"),
            entry("dead", key: "arch", version: "9", left: 0),
        ].sorted(by: BLSSorter.systemdOrder)
        #expect(entries.map(\.id) == ["d", "c", "a", "b", "old-style-10", "old-style-1", "dead"])
    }

    @Test func loaderConfPatternsMatchIdsWithOrWithoutConfCaseInsensitively() {
        let e = BLSEntry(fileName: "Fedora-6.5.conf", file: "/boot/loader/entries/Fedora-6.5.conf", id: "Fedora-6.5")
        #expect(LoaderConf.matches("fedora-*", e))
        #expect(LoaderConf.matches("Fedora-6.5.conf", e))
        #expect(LoaderConf.matches("fedora-6.?", e))
        #expect(!LoaderConf.matches("arch*", e))
    }

    /// A tree with three BLS entries under `entriesDir` and the given loader.conf / EFI variables.
    func tree(loaderConf: String?, efiVariables: [String: String] = [:], entriesDir: String = "/boot/loader/entries") -> BootLoaderFixtures.ScratchTree {
        let t = BootLoaderFixtures.ScratchTree()
        for v in ["6.1", "6.2", "6.3"] {
            t.write("\(entriesDir)/linux-\(v).conf", "title Linux \(v)\nversion \(v)\nlinux /vmlinuz-\(v)\noptions root=/dev/vda2\n")
        }
        if let loaderConf { t.write("/boot/loader/loader.conf", loaderConf) }
        for (name, value) in efiVariables {
            var bytes: [UInt8] = [7, 0, 0, 0]
            for unit in value.utf16 { bytes += [UInt8(unit & 0xff), UInt8(unit >> 8)] }
            bytes += [0, 0]
            t.write("/sys/firmware/efi/efivars/\(name)-\(LoaderConf.loaderVendorGUID)", bytes: bytes)
        }
        return t
    }

    @Test func withoutDefaultTheFirstSortedEntryBoots() {
        let t = tree(loaderConf: "timeout 3\n")
        let d = t.readBootLoader(mounts: [])
        #expect(d.entries.map(\.id) == ["linux-6.3", "linux-6.2", "linux-6.1"])
        #expect(d.defaultIndex == 0)
        #expect(d.defaultRule == "systemd-boot boots the first entry in sorted order")
        #expect(d.defaultEntry?.kernel == "/boot/vmlinuz-6.3")
    }

    @Test func noLoaderConfNamesTheEntriesDirectory() {
        let t = tree(loaderConf: nil)
        let d = t.readBootLoader(mounts: [])
        #expect(d.configFile == "/boot/loader/entries")
        #expect(d.defaultEntry?.id == "linux-6.3")
    }

    @Test func savedWithoutEfiVariableFallsBackToFirst() {
        let d = tree(loaderConf: "default @saved\n").readBootLoader()
        #expect(d.defaultIndex == 0)
        #expect(d.defaultRule == "loader.conf default @saved in /boot/loader/loader.conf has no saved entry; systemd-boot boots the first entry in sorted order")
    }

    @Test func savedUsesLoaderEntryLastBooted() {
        let t = tree(loaderConf: "default @saved\n", efiVariables: ["LoaderEntryLastBooted": "linux-6.1.conf"])
        let d = t.readBootLoader(mounts: [])
        #expect(d.defaultEntry?.id == "linux-6.1")
    }

    @Test func oneShotAndDefaultEfiVariablesOverrideLoaderConf() {
        let t = tree(loaderConf: "default linux-6.3\n", efiVariables: ["LoaderEntryOneShot": "linux-6.1.conf", "LoaderEntryDefault": "linux-6.2.conf"])
        let d = t.readBootLoader(mounts: [])
        #expect(d.defaultEntry?.id == "linux-6.1")
        #expect(d.defaultRule.hasPrefix("EFI variable LoaderEntryOneShot \"linux-6.1.conf\""))
        #expect(d.systemdBootOneShot == "linux-6.1.conf")
        let t2 = tree(loaderConf: "default linux-6.3\n", efiVariables: ["LoaderEntryDefault": "linux-6.2.conf"])
        #expect(t2.readBootLoader(mounts: []).defaultEntry?.id == "linux-6.2")
        #expect(t2.readBootLoader(mounts: []).systemdBootOneShot == nil)
    }

    /// systemd-boot deletes LoaderEntryOneShot whenever it finds it, even one that matches no entry.
    @Test func aOneShotMatchingNothingIsStillConsumed() {
        let t = tree(loaderConf: "default linux-6.3\n", efiVariables: ["LoaderEntryOneShot": "gone.conf"])
        let d = t.readBootLoader(mounts: [])
        #expect(d.defaultEntry?.id == "linux-6.3")
        #expect(d.systemdBootOneShot == "gone.conf")
        #expect(d.defaultRule.hasPrefix("loader.conf default \"linux-6.3\""))
    }

    @Test func windowsLineEndingsAreTolerated() {
        let t = tree(loaderConf: "timeout 3\r\ndefault linux-6.1\r\n")
        t.write("/boot/loader/entries/crlf.conf", "title CRLF\r\nlinux /vmlinuz-crlf\r\noptions quiet\r\n")
        let d = t.readBootLoader()
        #expect(d.defaultEntry?.id == "linux-6.1")
        let crlf = d.entries.first { $0.id == "crlf" }
        #expect(crlf?.kernel == "/boot/vmlinuz-crlf")
        #expect(crlf?.options == "quiet")
    }

    @Test func systemdBootLoaderInfoBeatsALeftoverGrubCfg() {
        let t = tree(loaderConf: nil, efiVariables: ["LoaderInfo": "systemd-boot 255.2-2-arch"])
        t.write("/boot/grub/grub.cfg", "menuentry 'Old GRUB' { linux /vmlinuz-old }\n")
        let d = t.readBootLoader()
        #expect(d.kind == .bls)
        #expect(d.defaultEntry?.id == "linux-6.3")
        let withoutVariable = tree(loaderConf: nil)
        withoutVariable.write("/boot/grub/grub.cfg", "menuentry 'Old GRUB' { linux /vmlinuz-old }\n")
        #expect(withoutVariable.readBootLoader().kind == .grub)
    }

    @Test func unmatchedLoaderConfDefaultIsAProblem() {
        let d = tree(loaderConf: "default windows\n").readBootLoader()
        #expect(d.defaultIndex == 0)
        #expect(d.problems == ["/boot/loader/loader.conf: default \"windows\" matches no entry; systemd-boot boots the first entry"])
    }

    @Test func entriesOnEfiAreRelativeToEfi() {
        let t = tree(loaderConf: nil, entriesDir: "/efi/loader/entries")
        let d = t.readBootLoader(mounts: BootLoaderFixtures.mounts(["/efi"]))
        #expect(d.defaultEntry?.kernel == "/efi/vmlinuz-6.3")
        #expect(d.defaultEntry?.file == "/efi/loader/entries/linux-6.3.conf")
    }

    @Test func blsEntriesWithoutLinuxAreProblemsNotEntries() {
        let d = BootLoaderFixtures.read("bls-no-linux")
        #expect(d.kind == .bls)
        #expect(d.entries.isEmpty)
        #expect(d.defaultIndex == nil)
        #expect(d.defaultEntry == nil)
        #expect(d.problems == [
            "/boot/loader/entries/broken.conf: no 'linux' (or 'efi') line; not a bootable entry",
            "/boot/loader/entries/empty.conf: no 'linux' (or 'efi') line; not a bootable entry",
        ])
    }

    @Test func blsParserKeepsEveryKey() {
        let text = """
        # comment
        title  Fedora Linux 39
        version 6.5.6
        machine-id abc
        sort-key fedora
        linux /vmlinuz-6.5.6
        initrd /initramfs-6.5.6.img
        initrd /extra.img
        options root=/dev/vda2 ro
        options quiet
        devicetree /dtb/board.dtb
        architecture x64
        grub_class fedora
        """
        let e = BLSEntryParser.parse(text, fileName: "abc-6.5.6.conf", file: "/boot/loader/entries/abc-6.5.6.conf")
        #expect(e.title == "Fedora Linux 39")
        #expect(e.version == "6.5.6")
        #expect(e.machineID == "abc")
        #expect(e.sortKey == "fedora")
        #expect(e.linux == "/vmlinuz-6.5.6")
        #expect(e.initrds == ["/initramfs-6.5.6.img", "/extra.img"])
        #expect(e.options == "root=/dev/vda2 ro quiet")
        #expect(e.extra == ["devicetree": "/dtb/board.dtb", "architecture": "x64", "grub_class": "fedora"])
    }
}
