import Foundation
import Testing

/// `kreboot calibrate`, `save-dump` and `dumps` run as a user (or the capture kernel) would.
@Suite final class KdumpCLITests {
    let dir = NSTemporaryDirectory() + "kreboot-kdump-cli-\(UUID().uuidString)"

    deinit {
        try? FileManager.default.removeItem(atPath: dir)
    }


    func write(_ path: String, _ bytes: [UInt8]) throws {
        try FileManager.default.createDirectory(atPath: (dir + path as NSString).deletingLastPathComponent,
                                                withIntermediateDirectories: true)
        try Data(bytes).write(to: URL(fileURLWithPath: dir + path))
    }

    func write(_ path: String, _ text: String) throws { try write(path, Array(text.utf8)) }

    /// A minimal kdump-compressed file: header (release, machine, block size 4096), sub header, VMCOREINFO.
    func kdumpCompressed() -> [UInt8] {
        var bytes = [UInt8](repeating: 0, count: 3 * 4096)
        func put(_ b: [UInt8], _ at: Int) { bytes.replaceSubrange(at..<(at + b.count), with: b) }
        func le32(_ v: Int32) -> [UInt8] { withUnsafeBytes(of: v.littleEndian) { Array($0) } }
        func le64(_ v: Int64) -> [UInt8] { withUnsafeBytes(of: v.littleEndian) { Array($0) } }
        let info = Array("OSRELEASE=6.1.0-28-amd64\nPAGESIZE=4096\nCRASHTIME=1732632226\n".utf8)
        put(Array("KDUMP   ".utf8), 0); put(le32(6), 8); put(Array("6.1.0-28-amd64".utf8), 142); put(Array("x86_64".utf8), 272)
        put(le32(2), 424); put(le32(4096), 428); put(le32(31), 4096 + 8); put(le64(8192), 4096 + 32)
        put(le64(Int64(info.count)), 4096 + 40); put(info, 8192)
        return bytes
    }

    static var isX86_64: Bool {
        var name = utsname()
        uname(&name)
        return withUnsafeBytes(of: name.machine) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) } == "x86_64"
    }

    @Test func calibrateJSONOnAFixtureRoot() throws {
        try write("/proc/meminfo", "MemTotal:        1800000 kB\n")
        try write("/proc/iomem", "00001000-0009fbff : System RAM\n00100000-7fffffff : System RAM\n  6f000000-7effffff : Crash kernel\n")
        try write("/sys/kernel/kexec_crash_size", "268435456\n")
        let result = try CLIRunner.run(["calibrate", "--root", dir, "--luns", "4", "--json"])
        #expect(result.status == 0, "\(result.stderr)")
        let json = try result.json()
        for key in ["recommendedLow", "recommendedHigh", "luns", "low", "high", "parameters", "reservedMiB"] {
            #expect(json.keys.contains(key), "missing \(key)")
        }
        #expect(json["luns"] as? Int == 4)
        #expect(json["reservedMiB"] as? Int == 256)
        if Self.isX86_64 {
            #expect(json["low"] is NSNull)
            #expect(json["high"] as? Int == 258)
            #expect(json["parameters"] as? String == "crashkernel=258M")
        }
        let text = try CLIRunner.run(["calibrate", "--root", dir, "--luns", "4"])
        #expect(text.stdout.contains("Kernel parameters to append:"))
        #expect(try CLIRunner.run(["calibrate", "--luns", "-1"]).status == 64)
    }

    @Test func calibrateApplyShowsTheChangeAsksAndUnderRootRunsNoGenerator() throws {
        try write("/proc/meminfo", "MemTotal:        1800000 kB\n")
        try write("/etc/default/grub", "GRUB_CMDLINE_LINUX_DEFAULT=\"quiet\"\n")
        try write("/usr/sbin/update-grub", "#!/bin/sh\ntouch /tmp/kreboot-must-not-run\n")
        let dropIn = dir + "/etc/default/grub.d/kreboot.cfg"
        let dry = try CLIRunner.run(["calibrate", "--apply", "--dry-run", "--root", dir, "--luns", "0"])
        #expect(dry.status == 0, "\(dry.stderr)")
        #expect(dry.stdout.contains("--- /etc/default/grub.d/kreboot.cfg (new file)"))
        #expect(dry.stdout.contains("+GRUB_CMDLINE_LINUX_DEFAULT=\"$GRUB_CMDLINE_LINUX_DEFAULT crashkernel="))
        #expect(dry.stdout.contains("NOT run under --root"))
        #expect(!FileManager.default.fileExists(atPath: dropIn))
        // No terminal and no --yes: refused, nothing written.
        let unasked = try CLIRunner.run(["calibrate", "--apply", "--root", dir, "--luns", "0"])
        #expect(unasked.status == 64)
        #expect(!FileManager.default.fileExists(atPath: dropIn))
        let applied = try CLIRunner.run(["calibrate", "--apply", "--yes", "--root", dir, "--luns", "0"])
        #expect(applied.status == 0, "\(applied.stderr)")
        #expect(applied.stdout.contains("wrote /etc/default/grub.d/kreboot.cfg"))
        #expect(applied.stdout.contains("not run under --root"))
        #expect(FileManager.default.fileExists(atPath: dropIn))
        let again = try CLIRunner.run(["calibrate", "--apply", "--yes", "--root", dir, "--luns", "0"])
        #expect(again.stdout.contains("nothing to change"))
        let removed = try CLIRunner.run(["calibrate", "--apply", "--remove", "--yes", "--root", dir, "--luns", "0", "--json"])
        #expect(removed.status == 0, "\(removed.stderr)")
        #expect(try removed.json()["applied"] as? Bool == true)
        #expect(!FileManager.default.fileExists(atPath: dropIn))
        #expect(try CLIRunner.run(["calibrate", "--dry-run", "--root", dir]).status == 64)
        let nowhere = dir + "/empty"
        try FileManager.default.createDirectory(atPath: nowhere + "/proc", withIntermediateDirectories: true)
        try "MemTotal:        1800000 kB\n".write(toFile: nowhere + "/proc/meminfo", atomically: true, encoding: .utf8)
        #expect(try CLIRunner.run(["calibrate", "--apply", "--yes", "--root", nowhere]).status == 69)
    }

    @Test func calibrateOnAnImpossibleMemTotalIsBadDataNamingIt() throws {
        try write("/proc/meminfo", "MemTotal:        18446744073709551615 kB\n")
        let result = try CLIRunner.run(["calibrate", "--root", dir, "--luns", "1"])
        #expect(result.status == 65)
        #expect(result.stderr.contains("/proc/meminfo: impossible MemTotal: 18446744073709551615 kB is more than 2^64 bytes"))
    }

    func fakeMakedumpfile() throws -> String {
        try write("/bin/makedumpfile", """
            #!/bin/sh
            case "$1" in
              --mem-usage) echo "show_mem_usage: unsupported" >&2; exit 1 ;;
              --dump-dmesg) echo "[ 9.9] Kernel panic - not syncing: sysrq triggered crash" > "$3"; exit 0 ;;
            esac
            for last; do :; done
            cp "\(dir)/fixture.kdump" "$last"
            """)
        chmod(dir + "/bin/makedumpfile", 0o755)
        try write("/fixture.kdump", kdumpCompressed())
        return dir + "/bin/makedumpfile"
    }

    @Test func saveDumpThenDumpsShowsItWithItsTest() throws {
        let makedumpfile = try fakeMakedumpfile()
        try write("/vmcore", KdumpCLITestsELF.header)
        try write("/etc/kdump", "KDUMP_SAVEDIR=\"file://\(dir)/crash\"\nKDUMP_DUMPFORMAT='lzo'\nKDUMP_IMMEDIATE_REBOOT=yes\n")
        try write("/kdump-test.json", #"{"id":"cli-test-1","time":"2026-11-26T15:00:00Z","release":"6.1.0-28-amd64","state":"pending"}"#)
        let save = try CLIRunner.run(["save-dump", "--config", dir + "/etc/kdump", "--vmcore", dir + "/vmcore",
                                      "--makedumpfile", makedumpfile, "--test-record", dir + "/kdump-test.json", "--no-reboot", "--json"])
        #expect(save.status == 0, "\(save.stderr)")
        let saved = try save.json()
        let directory = try #require(saved["directory"] as? String)
        #expect(saved["testID"] as? String == "cli-test-1")
        #expect(FileManager.default.fileExists(atPath: directory + "/vmcore"))
        #expect(FileManager.default.fileExists(atPath: directory + "/dmesg.txt"))

        let dumps = try CLIRunner.run(["dumps", "--config", dir + "/etc/kdump", "--json"])
        #expect(dumps.status == 0)
        let list = try #require(try dumps.json()["dumps"] as? [[String: Any]])
        #expect(list.count == 1)
        #expect(list.first?["testID"] as? String == "cli-test-1")
        let info = try #require(list.first?["info"] as? [String: Any])
        #expect(info["kind"] as? String == "vmcore")
        #expect(info["format"] as? String == "kdump-compressed")
        #expect(info["arch"] as? String == "x86_64")
        #expect(info["release"] as? String == "6.1.0-28-amd64")
        #expect(info["panicMessage"] as? String == "Kernel panic - not syncing: sysrq triggered crash")
        let text = try CLIRunner.run(["dumps", "--save-dir", dir + "/crash"])
        #expect(text.stdout.contains("kdump-compressed"))
        #expect(text.stdout.contains("test cli-test-1"))
    }

    @Test func saveDumpRefusals() throws {
        let makedumpfile = try fakeMakedumpfile()
        try write("/vmcore", KdumpCLITestsELF.header)
        // A malformed remote target (port 0) is refused before anything would be sent.
        try write("/nfs.conf", "KDUMP_SAVEDIR=ftp://server:0/export/crash\n")
        let nfs = try CLIRunner.run(["save-dump", "--config", dir + "/nfs.conf", "--vmcore", dir + "/vmcore", "--no-reboot"])
        #expect(nfs.status == 69)
        #expect(nfs.stderr.contains("KDUMP_SAVEDIR: the port"))
        #expect(try CLIRunner.run(["dumps", "--config", dir + "/nfs.conf"]).status == 69)

        try write("/local.conf", "KDUMP_SAVEDIR=\(dir)/crash\n")
        let noVmcore = try CLIRunner.run(["save-dump", "--config", dir + "/local.conf", "--vmcore", dir + "/missing",
                                          "--makedumpfile", makedumpfile, "--no-reboot"])
        #expect(noVmcore.status == 69)
        #expect(noVmcore.stderr.contains("capture kernel"))
        let mount = try CLIRunner.run(["save-dump", "--config", dir + "/local.conf", "--vmcore", dir + "/vmcore",
                                       "--mount", "/dev/nonexistent", "--no-reboot"])
        #expect(mount.status == 64)
        let unreadable = try CLIRunner.run(["save-dump", "--config", dir + "/missing.conf", "--vmcore", dir + "/vmcore", "--no-reboot"])
        #expect(unreadable.status == 65)
        #expect(unreadable.stderr.contains(dir + "/missing.conf"))
        try write("/level.conf", "KDUMP_SAVEDIR=\(dir)/crash\nKDUMP_DUMPLEVEL=40\n")
        let badLevel = try CLIRunner.run(["save-dump", "--config", dir + "/level.conf", "--vmcore", dir + "/vmcore",
                                          "--makedumpfile", makedumpfile, "--no-reboot"])
        #expect(badLevel.status == 65)
        #expect(badLevel.stderr.contains("KDUMP_DUMPLEVEL=40"))
    }
}

enum KdumpCLITestsELF {
    /// The first bytes of an ELF64 core (the fake makedumpfile never reads it).
    static let header: [UInt8] = [0x7f, 0x45, 0x4c, 0x46, 2, 1, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 4, 0, 62, 0]
}
