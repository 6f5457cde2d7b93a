@testable import RebootPlan
import LinuxSystem
import KexecCore
import Foundation
import Testing

@Suite struct KdumpConfigReaderTests {
    @Test func readsSUSESysconfig() throws {
        let config = try #require(KdumpConfigReader.read(root: SnapshotFixtures.root("kdump/suse")))
        #expect(config.file == "/etc/sysconfig/kdump")
        #expect(config.saveDir == "file:///var/crash")
        #expect(config.localSaveDir == "/var/crash")
        #expect(config.keepOldDumps == 5)
        #expect(config.freeDiskSizeMiB == 64)
        #expect(config.dumpLevel == 31)
        #expect(config.dumpFormat == "lzo")
        #expect(config.immediateReboot == true)
        #expect(config.commandLine == nil)  // KDUMP_COMMANDLINE="" means: derive it
        #expect(config.commandLineAppend == "console=ttyS0,115200 net_delay=10")
        #expect(config.kernel == "/boot/vmlinuz-6.4.0-150600.23.7-default")
        #expect(config.initrd == nil)
        #expect(config.variables["KDUMP_CPUS"] == "1")
        #expect(config.variables["KDUMP_COMMANDLINE"] == "")
        #expect(config.variables["KDUMP_NETCONFIG"] == "auto")
    }

    @Test func readsDebianKdumpTools() throws {
        let config = try #require(KdumpConfigReader.read(root: SnapshotFixtures.root("kdump/debian")))
        #expect(config.file == "/etc/default/kdump-tools")
        #expect(config.saveDir == "/var/crash")
        #expect(config.localSaveDir == "/var/crash")
        #expect(config.dumpLevel == 31)
        #expect(config.dumpFormat == "compressed")
        #expect(config.kernel == "/var/lib/kdump/vmlinuz")
        #expect(config.initrd == "/var/lib/kdump/initrd.img")
        #expect(config.commandLine == nil)
        #expect(config.commandLineAppend == "reset_devices systemd.unit=kdump-tools-dump.service nr_cpus=1 irqpoll nousb")
        #expect(config.immediateReboot == nil)
        #expect(config.variables["USE_KDUMP"] == "1")
        #expect(config.variables["KDUMP_NUM_DUMPS"] == "3")
        #expect(config.variables["KDUMP_FAIL_CMD"] == nil)  // commented out
    }

    @Test func suseFileWinsOverDebianFile() throws {
        let dir = SnapshotFixtures.temporaryRoot()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let fm = FileManager.default
        try fm.createDirectory(atPath: dir + "/etc/sysconfig", withIntermediateDirectories: true)
        try fm.createDirectory(atPath: dir + "/etc/default", withIntermediateDirectories: true)
        try "KDUMP_SAVEDIR=/srv/dumps\n".write(toFile: dir + "/etc/sysconfig/kdump", atomically: true, encoding: .utf8)
        try "KDUMP_COREDIR=/var/crash\n".write(toFile: dir + "/etc/default/kdump-tools", atomically: true, encoding: .utf8)
        let config = try #require(KdumpConfigReader.read(root: RootDirectory(dir)))
        #expect(config.file == "/etc/sysconfig/kdump")
        #expect(config.saveDir == "/srv/dumps")
    }

    @Test func noConfigurationIsNil() {
        let dir = SnapshotFixtures.temporaryRoot()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        #expect(KdumpConfigReader.read(root: RootDirectory(dir)) == nil)
    }

    @Test func shellQuotingRules() throws {
        let text = try String(contentsOfFile: SnapshotFixtures.path + "/kdump/quoting.conf", encoding: .utf8)
        let values = ShellAssignments(parsing: text).values
        #expect(values["PLAIN"] == "overridden")
        #expect(values["EMPTY"] == "")
        #expect(values["EMPTY_QUOTES"] == "")
        #expect(values["SINGLE"] == #"its $HOME "as is" \n"#)
        #expect(values["DOUBLE"] == #"say "hi" $HOME \ \q value"#)
        #expect(values["UNQUOTED"] == "a b#c")
        #expect(values["HASH_INSIDE"] == "a#b")
        #expect(values["EXPORTED"] == "exported value")
        #expect(values["ALSO"] == nil)
        #expect(values["A"] == "1" && values["B"] == "2" && values["C"] == "3")
        #expect(values["CONTINUED"] == "first second")
        #expect(values["MULTI"] == "line one\nline two")
        #expect(values["JOINED"] == "premidpost")
        #expect(values["EXPANDED"] == "value-value-fallback")
        #expect(values["SUBST"] == "$(cat /proc/cmdline)")
        #expect(values["ONLY_FOR_COMMAND"] == nil)
        #expect(values["INDENTED"] == "spaces before")
        #expect(values.count == 17)
    }

    @Test func assignmentsKeepFileOrder() {
        let parsed = ShellAssignments(parsing: "B=2\nA=1\nB=3\n")
        #expect(parsed.ordered.map(\.name) == ["B", "A", "B"])
        #expect(parsed.values == ["A": "1", "B": "3"])
    }

    @Test func expansionSeesEarlierAssignmentsOfTheSameLine() {
        #expect(ShellAssignments(parsing: "A=1 B=$A\n").values == ["A": "1", "B": "1"])
        #expect(ShellAssignments(parsing: "A=1 true\nB=x$A\n").values == ["B": "x"])
    }

    @Test func crlfLineEnds() throws {
        let text = try String(contentsOfFile: SnapshotFixtures.path + "/kdump/crlf.conf", encoding: .utf8)
        #expect(ShellAssignments(parsing: text).values == ["CRLF": "windows", "AFTER": "ok"])
    }

    @Test func unterminatedQuoteRunsToTheEnd() {
        #expect(ShellAssignments(parsing: "A=\"open\nB=2\n").values == ["A": "open\nB=2\n"])
    }

    @Test func quotedNameIsNoAssignment() {
        #expect(ShellAssignments(parsing: "\"A\"=1\nB'x'=2\n").values.isEmpty)
    }

    @Test func makedumpfileArguments() {
        #expect(KdumpConfigReader.parseMakedumpArguments("-c -d 31") == (31, "compressed"))
        #expect(KdumpConfigReader.parseMakedumpArguments("-F -l -d 17 --message-level 7") == (17, "lzo"))
        #expect(KdumpConfigReader.parseMakedumpArguments("-zd1") == (1, "zstd"))
        #expect(KdumpConfigReader.parseMakedumpArguments("-E") == (nil, "ELF"))
        #expect(KdumpConfigReader.parseMakedumpArguments("-p -d31") == (31, "snappy"))
        #expect(KdumpConfigReader.parseMakedumpArguments("--dump-dmesg") == (nil, nil))
    }

    @Test func debianDefaultsWhenMakedumpArgumentsAreUnset() {
        let config = KdumpConfigReader.parse(text: "USE_KDUMP=1\n", file: "/etc/default/kdump-tools")
        #expect(config.dumpLevel == nil)
        #expect(config.dumpFormat == nil)
        #expect(config.saveDir == nil)
        #expect(config.localSaveDir == "/var/crash")
    }

    @Test func suseNamesWinAndBooleansParse() {
        let config = KdumpConfigReader.parse(text: """
            KDUMP_DUMPLEVEL=1
            MAKEDUMP_ARGS="-c -d 31"
            KDUMP_CMDLINE="root=/dev/sda1"
            KDUMP_IMMEDIATE_REBOOT=no
            KDUMP_KERNELVER=/boot/vmlinuz-kdump
            """, file: "test")
        #expect(config.dumpLevel == 1)
        #expect(config.dumpFormat == "compressed")
        #expect(config.commandLine == "root=/dev/sda1")
        #expect(config.immediateReboot == false)
        #expect(config.kernel == "/boot/vmlinuz-kdump")
        #expect(KdumpConfigReader.parseBoolean("TRUE") == true)
        #expect(KdumpConfigReader.parseBoolean("0") == false)
        #expect(KdumpConfigReader.parseBoolean("maybe") == nil)
    }
}

@Suite struct RedHatKdumpConfTests {
    @Test func readsKdumpConfWithSysconfigLaidOver() throws {
        let config = try #require(KdumpConfigReader.read(root: SnapshotFixtures.root("kdump/redhat")))
        #expect(config.file == "/etc/kdump.conf")
        // `path` is below the target file system, and this tree has no mount table to find it in: no save
        // directory, and the plan's kdump-config check names the UUID (RedHatDumpFilesystemTests: mounted cases).
        #expect(config.localSaveDir == nil)
        #expect(config.targetError?.message.hasPrefix("/etc/kdump.conf: xfs: UUID=0b5c6f7e-6d1c-4f5a-9a8e-3c2b1a0f9e8d: where it is mounted is not known") == true)
        #expect(config.dumpLevel == 31)
        #expect(config.dumpFormat == "lzo")
        #expect(config.variables["target"] == "xfs UUID=0b5c6f7e-6d1c-4f5a-9a8e-3c2b1a0f9e8d")
        #expect(config.variables["failure_action"] == "shell")
        #expect(config.commandLine == nil)  // KDUMP_COMMANDLINE="" means: derive it
        #expect(config.commandLineRemove?.hasPrefix("hugepages hugepagesz slub_debug quiet") == true)
        #expect(config.commandLineAppend?.hasPrefix("irqpoll nr_cpus=1 reset_devices cgroup_disable=memory") == true)
        #expect(config.kernel == nil)
        #expect(config.variables["KEXEC_ARGS"] == "-s")
    }

    @Test func readsKdumpConfAlone() throws {
        let config = try #require(KdumpConfigReader.read(root: SnapshotFixtures.root("kdump/redhat-conf-only")))
        #expect(config.file == "/etc/kdump.conf")
        #expect(config.saveDir == "/srv/dumps")
        #expect(config.dumpLevel == 17)
        #expect(config.dumpFormat == "compressed")
        #expect(config.commandLineAppend == "console=ttyS0")
        #expect(config.commandLineRemove == "quiet rhgb")
    }

    @Test func aCollectorOtherThanMakedumpfileSetsNoLevel() {
        let config = RedHatKdumpConfReader.parse(text: "core_collector cp --sparse=always\n")
        #expect(config.dumpLevel == nil)
        #expect(config.dumpFormat == nil)
        #expect(config.saveDir == nil)
        #expect(config.localSaveDir == "/var/crash")
    }

    @Test func valuesAreReadAsKdumpctlReadsThem() throws {
        // A comment after the value and double quotes around it, as kdump_read_conf strips them.
        let config = RedHatKdumpConfReader.parse(text: """
            path /srv/dumps   # where dumps go
            core_collector "makedumpfile -l --message-level 7 -d 17"
            nfs filer:/export#the filer
            """)
        #expect(config.syntaxError == nil)
        #expect(config.saveDir == "/srv/dumps")
        #expect(config.dumpLevel == 17)
        #expect(config.dumpFormat == "lzo")
        let delivery = try DumpDelivery.read(config)
        #expect(delivery.target.scheme == .nfs && delivery.target.host == "filer" && delivery.target.path == "/export/srv/dumps")
    }

    @Test func whatKdumpctlRefusesIsRefused() {
        let cases: [(text: String, option: String, reason: String)] = [
            ("path /var/crash\nbogus_directive 1\n", "bogus_directive", "not a kdump.conf option"),
            ("net root@backup\n", "net", "deprecated"),
            ("path /var/crash\npath /srv/crash\n", "path", "given twice"),
            ("nfs filer:/export\nssh root@backup\n", "ssh", "a second dump target besides `nfs`"),
            ("xfs /dev/vg/crash\next4 LABEL=dumps\n", "ext4", "a second dump target besides `xfs`"),
            ("ssh root@backup\ndracut_args --mount \"filer:/e /kdumproot nfs\"\n", "dracut_args", "a second dump target"),
            ("core_collector\n", "core_collector", "no value"),
            ("path \"\" # empty\n", "path", "no value"),
        ]
        for (text, option, reason) in cases {
            let config = RedHatKdumpConfReader.parse(text: text)
            #expect(config.syntaxError?.option == option, "\(text)")
            #expect(config.syntaxError?.message.hasPrefix("/etc/kdump.conf: \(option): \(reason)") == true, "\(text): \(String(describing: config.syntaxError))")
            #expect(config.localSaveDir == nil)
            #expect(throws: KdumpConfigError.self) { try DumpDelivery.read(config) }
        }
    }

    @Test func garbageIsNamedByItsLineAndCRLFIsRead() throws {
        let binary = RedHatKdumpConfReader.parse(text: "path /var/crash\n\u{1}\u{7f}\u{1b}[31mX=1 2\n")
        #expect(binary.syntaxError?.message == "/etc/kdump.conf: line 2: not a kdump.conf option (kdumpctl refuses it)")
        let long = RedHatKdumpConfReader.parse(text: String(repeating: "a", count: 500) + " 1\n")
        #expect(long.syntaxError?.message == "/etc/kdump.conf: line 1: not a kdump.conf option (kdumpctl refuses it)")
        let crlf = RedHatKdumpConfReader.parse(text: "path /srv/crash\r\ncore_collector makedumpfile -d 17\r\n")
        #expect(crlf.syntaxError == nil && crlf.saveDir == "/srv/crash" && crlf.dumpLevel == 17)
    }

    @Test func everyOptionKdumpctlKnowsIsAccepted() throws {
        let text = """
            path /var/crash
            core_collector makedumpfile -l -d 31
            sshkey /root/.ssh/kdump_id_rsa
            kdump_post /var/crash/scripts/post.sh
            kdump_pre /var/crash/scripts/pre.sh
            kdump_emergency /var/crash/scripts/emergency.sh
            extra_bins /usr/bin/lftp
            extra_modules gfs2
            failure_action shell
            final_action reboot
            force_rebuild 0
            force_no_rebuild 0
            fence_kdump_args -p 7410 -f auto
            fence_kdump_nodes node1 node2
            auto_reset_crashkernel yes
            dracut_args --omit-drivers "cfg80211 snd"
            kdump_commandline_append console=ttyS0
            """
        let config = RedHatKdumpConfReader.parse(text: text)
        #expect(config.syntaxError == nil)
        #expect(try DumpDelivery.read(config).target.scheme == .file)
        #expect(config.variables["dracut_args"] == "--omit-drivers \"cfg80211 snd\"")
    }

    @Test func suseRemoveKeyIsRead() {
        let config = KdumpConfigReader.parse(text: "KDUMP_COMMANDLINE_REMOVE='quiet splash'\n", file: "/etc/sysconfig/kdump")
        #expect(config.commandLineRemove == "quiet splash")
    }
}
