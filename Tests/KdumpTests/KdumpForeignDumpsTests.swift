@testable import Kdump
import Foundation
import Testing
import LinuxSystem
import RebootPlan

/// `kreboot dumps` lists what kdump-tools and kdump-utils saved, with the tool, the dump, its log and the
/// time from the directory name.
@Suite final class KdumpForeignDumpsTests {
    let dir = KdumpFixtures.temporaryDirectory()

    deinit { try? FileManager.default.removeItem(atPath: dir) }

    func write(_ path: String, _ text: String = "x") throws {
        let full = dir + "/" + path
        try FileManager.default.createDirectory(atPath: (full as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        try Data(text.utf8).write(to: URL(fileURLWithPath: full))
    }

    @Test func kdumpToolsAndKdumpUtilsDumpsAreListedNewestFirst() throws {
        try write("202611261503/dump.202611261503", "not a dump")
        try write("202611261503/dmesg.202611261503", "[ 1.0] sysrq: Trigger a crash\n")
        try write("127.0.0.1-2026-11-27-08:15:02/vmcore")
        try write("127.0.0.1-2026-11-27-08:15:02/vmcore-dmesg.txt")
        try write("lost+found/.keep")
        let dumps = DumpCatalog.list(saveDir: dir)
        #expect(dumps.map { $0.savedBy } == ["kdump-utils", "kdump-tools"])
        let utils = try #require(dumps.first)
        #expect(utils.vmcore == dir + "/127.0.0.1-2026-11-27-08:15:02/vmcore")
        #expect(utils.dmesg == dir + "/127.0.0.1-2026-11-27-08:15:02/vmcore-dmesg.txt")
        #expect(!utils.savedByKreboot)
        let tools = dumps[1]
        #expect(tools.vmcore == dir + "/202611261503/dump.202611261503")
        #expect(tools.dmesg == dir + "/202611261503/dmesg.202611261503")
        #expect(tools.problem != nil)  // "not a dump" is named as unreadable, not skipped
    }

    @Test func everyConfiguredServicesDirectoryIsListed() throws {
        try write("etc/default/kdump-tools", "KDUMP_COREDIR=/srv/debian\n")
        try write("etc/kdump.conf", "path /srv/redhat\n")
        try write("srv/debian/202611261503/dump.202611261503")
        try write("srv/redhat/host-2026-11-27-08:15:02/vmcore")
        try write("var/crash/2026-11-28-09:00/vmcore")
        try write("var/crash/2026-11-28-09:00/dmesg.txt")
        let root = RootDirectory(dir)
        let config = KdumpConfig(file: "/etc/sysconfig/kdump", saveDir: "file:///var/crash")
        let dirs = DumpCatalog.saveDirectories(root: root, config: config)
        #expect(dirs == ["/var/crash", "/srv/redhat", "/srv/debian"])
        let dumps = DumpCatalog.list(root: root, saveDirs: dirs + ["/srv/debian"])
        #expect(dumps.count == 3)
        #expect(Set(dumps.map(\.directory)) == ["/var/crash/2026-11-28-09:00", "/srv/redhat/host-2026-11-27-08:15:02",
                                                 "/srv/debian/202611261503"])
        #expect(Set(dumps.compactMap(\.savedBy)) == ["suse-kdump", "kdump-utils", "kdump-tools"])
    }

    @Test func anIncompleteKdumpUtilsDumpIsNotComplete() throws {
        try write("10.0.0.5-2026-01-02-03:04:05/vmcore-incomplete")
        try write("10.0.0.5-2026-01-02-03:04:05/vmcore-dmesg-incomplete.txt")
        let dump = try #require(DumpCatalog.list(saveDir: dir).first)
        #expect(dump.savedBy == "kdump-utils")
        #expect(dump.vmcore?.hasSuffix("/vmcore-incomplete") == true)
        #expect(dump.dmesg?.hasSuffix("/vmcore-dmesg-incomplete.txt") == true)
        #expect(!dump.complete)
    }

    @Test func namesAndTimes() {
        let tools = DumpLayout(name: "202611261503", files: ["dump.202611261503", "dmesg.202611261503"], hasManifest: false)
        #expect(tools.savedBy == "kdump-tools")
        #expect(tools.nameTime == 1_795_705_380)  // 2026-11-26T15:03:00Z
        let utils = DumpLayout(name: "my-host-01-2026-11-26-15:03:46", files: ["vmcore", "vmcore-dmesg.txt"], hasManifest: false)
        #expect(utils.savedBy == "kdump-utils")
        #expect(utils.nameTime == 1_795_705_426)
        let suse = DumpLayout(name: "2026-11-26-15:03", files: ["vmcore", "dmesg.txt"], hasManifest: false)
        #expect(suse.savedBy == "suse-kdump")
        #expect(suse.nameTime == 1_795_705_380)
        #expect(suse.dmesg == "dmesg.txt")
        #expect(DumpLayout(name: "2026-11-26", files: ["vmcore"], hasManifest: false).savedBy == "unknown")
        #expect(DumpLayout(name: "209913991503", files: ["dump.209913991503"], hasManifest: false).savedBy == "unknown")
        let kreboot = DumpLayout(name: "2026-11-26-150346", files: ["vmcore", "dmesg.txt", "kreboot-dump.json"], hasManifest: true)
        #expect(kreboot.savedBy == "kreboot")
        #expect(kreboot.dmesg == "dmesg.txt")
    }
}
