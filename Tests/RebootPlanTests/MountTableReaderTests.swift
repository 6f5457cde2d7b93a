@testable import RebootPlan
import LinuxSystem
import KexecCore
import Foundation
import Testing

@Suite struct MountTableReaderTests {
    @Test func readsEveryLineOfAComplexMountInfo() throws {
        let (entries, file) = try MountTableReader.read(root: SnapshotFixtures.root("mounts-complex"))
        #expect(file == "/proc/self/mountinfo")
        #expect(entries.count == 43)

        let root = try #require(entries.first { $0.target == "/" })
        #expect(root.id == 28)
        #expect(root.parentID == 1)
        #expect(root.source == "/dev/vda1")
        #expect(root.fstype == "ext4")
        #expect(root.vfsOptions == "rw,relatime")
        #expect(root.fsOptions == "rw,errors=remount-ro")
        #expect(root.fsRoot == "/")
        #expect(root.device == "254:1")

        let efi = try #require(entries.first { $0.target == "/boot/efi" })
        #expect(efi.parentID == 40)
        #expect(efi.fstype == "vfat")
        #expect(efi.device == "254:3")
    }

    @Test func keepsTableOrder() throws {
        let (entries, _) = try MountTableReader.read(root: SnapshotFixtures.root("mounts-complex"))
        #expect(entries.prefix(6).map(\.target) == ["/sys", "/proc", "/dev", "/dev/pts", "/run", "/"])
        #expect(entries.last?.target == "/srv/data/image")
    }

    @Test func unescapesSpacesInMountPoints() throws {
        let (entries, _) = try MountTableReader.read(root: SnapshotFixtures.root("mounts-complex"))
        #expect(entries.contains { $0.target == "/media/My Disk" && $0.source == "/dev/sdb1" })
    }

    @Test func readsBindRootsNetworkSourcesAndOverlayOptions() throws {
        let (entries, _) = try MountTableReader.read(root: SnapshotFixtures.root("mounts-complex"))
        let www = try #require(entries.first { $0.target == "/var/www" })
        #expect(www.fsRoot == "/exports/www")
        #expect(www.device == "254:16")
        let nfs = try #require(entries.first { $0.target == "/mnt/nfs" })
        #expect(nfs.source == "server.example:/export/home")
        #expect(nfs.fstype == "nfs4")
        let overlay = try #require(entries.first { $0.target == "/srv/containers/merged" })
        #expect(overlay.fsOptions.contains("upperdir=/srv/data/upper"))
        let snap = try #require(entries.first { $0.fstype == "squashfs" })
        #expect(snap.isReadOnly)
        let stacked = entries.filter { $0.target == "/srv/cache" }
        #expect(stacked.map(\.id) == [55, 56])
    }

    @Test func unescapesOctalAndHandlesOptionalFieldsAndEmptySources() throws {
        let dir = SnapshotFixtures.temporaryRoot()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try FileManager.default.createDirectory(atPath: dir + "/proc/self", withIntermediateDirectories: true)
        let table = #"""
        1 0 8:1 / / rw,relatime shared:1 - ext4 /dev/sda1 rw
        2 1 8:2 / /mnt/tab\011and\134backslash rw,relatime shared:2 master:7 propagate_from:3 - ext4 /dev/sda2 rw
        3 1 0:40 / /mnt/gone\040(deleted) rw,relatime - ext4 /dev/sda3 rw
        4 1 0:41 / /mnt/nosource rw,relatime - tmpfs  rw,size=4k

        """#
        try table.write(toFile: dir + "/proc/self/mountinfo", atomically: true, encoding: .utf8)
        let (entries, _) = try MountTableReader.read(root: RootDirectory(dir))
        #expect(entries.map(\.target) == ["/", "/mnt/tab\tand\\backslash", "/mnt/gone", "/mnt/nosource"])
        #expect(entries[1].vfsOptions == "rw,relatime")
        #expect(entries[1].fstype == "ext4")
        #expect(entries[3].source == "")
        #expect(entries[3].fsOptions == "rw,size=4k")
    }

    @Test func fallsBackToARegularMtab() throws {
        let (entries, file) = try MountTableReader.read(root: SnapshotFixtures.root("mounts-mtab"))
        #expect(file == "/etc/mtab")
        #expect(entries.count == 10)
        let home = try #require(entries.first { $0.target == "/home/backup" })
        #expect(home.source == "/dev/sdb1")
        #expect(home.fstype == "xfs")
        #expect(home.id == 0)
        #expect(home.device == nil)
        #expect(home.vfsOptions.split(separator: ",").contains("noatime"))
        let cdrom = try #require(entries.first { $0.target == "/media/cdrom0" })
        #expect(cdrom.isReadOnly)
    }

    @Test func ignoresAnMtabSymlink() throws {
        let dir = SnapshotFixtures.temporaryRoot()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try FileManager.default.createDirectory(atPath: dir + "/etc", withIntermediateDirectories: true)
        try FileManager.default.copyItem(atPath: SnapshotFixtures.path + "/mounts-mtab/etc/mtab", toPath: dir + "/etc/mtab.real")
        try FileManager.default.createSymbolicLink(atPath: dir + "/etc/mtab", withDestinationPath: "mtab.real")
        #expect(throws: SystemError.self) { try MountTableReader.read(root: RootDirectory(dir)) }
    }

    @Test func missingTableIsBadData() {
        let dir = SnapshotFixtures.temporaryRoot()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let error = readError(RootDirectory(dir))
        #expect(error?.code == .badData)
        #expect(error?.path == "/proc/self/mountinfo")
        #expect(error?.message.contains("missing") == true)
    }

    @Test func malformedLinesAreAnErrorNamingTheLine() {
        let error = readError(SnapshotFixtures.root("mounts-malformed"))
        #expect(error?.code == .badData)
        #expect(error?.path == "/proc/self/mountinfo")
        #expect(error?.message == "/proc/self/mountinfo is malformed: line 3 cannot be parsed (and 1 more)")
    }

    @Test func binaryGarbageIsAnError() {
        let error = readError(SnapshotFixtures.root("mounts-binary"))
        #expect(error?.code == .badData)
        #expect(error?.message.hasPrefix("/proc/self/mountinfo is malformed") == true)
    }

    @Test func mountsFormatInTheMountInfoFileIsAnError() {
        let error = readError(SnapshotFixtures.root("mounts-fstab-format"))
        #expect(error?.message == "/proc/self/mountinfo is malformed: entry 1 is not in mountinfo format")
    }

    @Test func emptyTableIsAnError() {
        let error = readError(SnapshotFixtures.root("mounts-empty"))
        #expect(error?.code == .badData)
        #expect(error?.message == "/proc/self/mountinfo lists no mounts")
    }

    @Test func unreadableTableIsAnError() throws {
        let dir = SnapshotFixtures.temporaryRoot()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        // A directory where the file should be: it exists, but cannot be read as a table.
        try FileManager.default.createDirectory(atPath: dir + "/proc/self/mountinfo", withIntermediateDirectories: true)
        let error = readError(RootDirectory(dir))
        #expect(error?.code == .badData)
        #expect(error?.path == "/proc/self/mountinfo")
        #expect(error?.message == "cannot read /proc/self/mountinfo: is a directory, not a regular file")
    }

    @Test func readsTheHostMountTable() throws {
        let (entries, file) = try MountTableReader.read(root: RootDirectory())
        #expect(file == "/proc/self/mountinfo")
        #expect(entries.contains { $0.target == "/" })
        #expect(entries.contains { $0.target == "/proc" && $0.fstype == "proc" })
        #expect(entries.allSatisfy { $0.id > 0 && $0.target.hasPrefix("/") && $0.device != nil })
    }

    private func readError(_ root: RootDirectory) -> SystemError? {
        do {
            _ = try MountTableReader.read(root: root)
            return nil
        } catch {
            return error
        }
    }
}
