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

    /// Fedora 40 with systemd-boot on /efi: LoaderEntryOneShot beats LoaderEntryDefault and loader.conf, and the
    /// plan clears it right after the load.
    @Test func oneShotOnAnESPAtSlashEfiIsPlannedAndCleared() throws {
        let mid = "0d1c2b3a49584f6e8d7c6b5a4f3e2d1c"
        let d = BootLoaderFixtures.read("fedora40-efi-oneshot")
        #expect(d.configFile == "/efi/loader/loader.conf")
        #expect(d.entries.map(\.id) == ["\(mid)-6.8.9-300.fc40.x86_64", "\(mid)-6.8.5-301.fc40.x86_64"])
        #expect(d.defaultEntry?.id == "\(mid)-6.8.5-301.fc40.x86_64")
        #expect(d.defaultEntry?.kernel == "/efi/\(mid)/6.8.5-301.fc40.x86_64/linux")
        #expect(d.systemdBootOneShot == "\(mid)-6.8.5-301.fc40.x86_64.conf")
        var snapshot = SystemSnapshot.read(root: BootLoaderFixtures.root("fedora40-efi-oneshot"))
        snapshot.bootLoader = d
        let plan = RebootPlanner.plan(snapshot, PlanOptions())
        #expect(plan.steps.map(\.action).prefix(2) == [.load, .clearSystemdBootOneShot])
    }

    /// A UKI entry is planned with its embedded command line and no initrd of its own listing (its .initrd rides along).
    @Test func aUKIEntryIsPlannedWithItsEmbeddedCommandLine() throws {
        let root = BootLoaderFixtures.root("debian12-systemd-boot")
        let uki = "/boot/efi/EFI/Linux/debian-6.1.0-28-amd64.efi"
        for options in [PlanOptions(entry: "debian-6.1.0-28-amd64.efi"), PlanOptions(kernel: uki)] {
            let snapshot = SystemSnapshot.read(root: root, options: options)
            let plan = RebootPlanner.plan(snapshot, options)
            let target = try #require(plan.target)
            #expect(target.kernel == uki)
            #expect(target.format == "uki")
            #expect(target.release == "6.1.0-28-amd64")
            #expect(target.commandLine == "root=UUID=\(Self.uuid) ro quiet console=ttyS0")
            #expect(plan.steps.first == .load(KexecImage(kernel: uki, initrds: [], commandLine: target.commandLine)))
            #expect(plan.checks.first { $0.id == .initrd }?.message == "the UKI's own .initrd (\(uki))")
            #expect(plan.checks.first { $0.id == .signature }?.message.hasPrefix("\(uki): the UKI's .linux has no signature") == true)
        }
    }
}
