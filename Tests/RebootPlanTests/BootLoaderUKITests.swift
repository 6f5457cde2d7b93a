@testable import RebootPlan
import LinuxSystem
import KexecCore
import Testing

/// systemd-boot on the ESP: Type #1 entries in /boot/efi/loader/entries with paths relative to the ESP,
/// Type #2 UKIs in EFI/Linux, loader.conf's default glob and the EFI variables that override it.
@Suite struct BootLoaderUKITests {
    static let mid = "7c9e4a2b1d3f4e5a8b6c0d1e2f3a4b5c"
    static let uuid = "3f7c2a4e-9b1d-4c8e-a5f6-2d7e8b9c0a1f"

    @Test func entriesOnTheESPAndTheUKISortAsSystemdBootSortsThem() throws {
        let d = BootLoaderFixtures.read("debian12-systemd-boot")
        let m = Self.mid
        #expect(d.kind == .bls)
        #expect(d.configFile == "/boot/efi/loader/loader.conf")
        #expect(d.problems.isEmpty)
        // Same sort-key "debian": the UKI has no machine-id, which sorts first; then version descending.
        #expect(d.entries.map(\.id) == ["debian-6.1.0-28-amd64.efi", "\(m)-6.1.0-28-amd64", "\(m)-6.1.0-27-amd64"])
        let uki = d.entries[0]
        #expect(uki.source == .uki)
        #expect(uki.kernel == "/boot/efi/EFI/Linux/debian-6.1.0-28-amd64.efi")
        #expect(uki.initrds.isEmpty)
        #expect(uki.options == "root=UUID=\(Self.uuid) ro quiet console=ttyS0")
        #expect(uki.title == "Debian GNU/Linux 12 (bookworm)")
        #expect(uki.version == "12 (bookworm)")
        #expect(uki.sortKey == "debian")
        #expect(uki.extra["uname"] == "6.1.0-28-amd64")
        let type1 = d.entries[2]
        #expect(type1.kernel == "/boot/efi/\(m)/6.1.0-27-amd64/linux")
        #expect(type1.initrds == ["/boot/efi/\(m)/6.1.0-27-amd64/initrd.img-6.1.0-27-amd64"])
    }

    @Test func loaderConfGlobPicksTheFirstMatchInSortedOrder() throws {
        let d = BootLoaderFixtures.read("debian12-systemd-boot")
        #expect(d.defaultRule == "loader.conf default \"*6.1.0-27*\" in /boot/efi/loader/loader.conf")
        #expect(d.defaultEntry?.id == "\(Self.mid)-6.1.0-27-amd64")
    }

    @Test func ukiPathsFollowAMountedESP() {
        let mounts = BootLoaderFixtures.mounts(["/boot/efi"])
        let d = BootLoaderFixtures.read("debian12-systemd-boot", mounts: mounts)
        #expect(d.entries.first?.kernel == "/boot/efi/EFI/Linux/debian-6.1.0-28-amd64.efi")
        #expect(d.entries.last?.kernel == "/boot/efi/\(Self.mid)/6.1.0-27-amd64/linux")
    }

    @Test func bootCounterInAUKINameIsNotPartOfItsId() {
        #expect(UKIEntryReader.identity(fileName: "debian+3-1.efi") == ("debian.efi", 3, 1))
        #expect(UKIEntryReader.identity(fileName: "Arch-Linux.EFI").id == "Arch-Linux.EFI")
    }

    @Test func aFileThatIsNoUKIIsSkippedAndNamed() {
        let tree = BootLoaderFixtures.ScratchTree()
        tree.write("/efi/EFI/Linux/garbage.efi", "MZ not really a PE file, just text long enough to be read as one; padding padding padding")
        let d = tree.readBootLoader()
        #expect(d.entries.isEmpty)
        #expect(d.problems.contains { $0.hasPrefix("/efi/EFI/Linux/garbage.efi") })
    }
}
