import Foundation
import Testing

/// `--dry-run --test-kdump` and `plan --test-kdump` on kdump configurations with network targets: the
/// target, network and notifications shown with passwords masked; a malformed value refused (78) naming
/// the option and the file.
@Suite struct NetworkDumpCLITests {
    static let secret = "Pw-4711-secret"

    func machine(config: String) throws -> FixtureMachine {
        let machine = try FixtureMachine("debian12")
        try machine.writeBzImage("/boot/vmlinuz-6.1.0-27-amd64", release: "6.1.0-27-amd64")
        try machine.write("/etc/sysconfig/kdump", config)
        return machine
    }

    @Test(arguments: ["--dry-run", "plan"])
    func malformedTargetIsAConfigurationError(_ command: String) throws {
        let machine = try machine(config: "KDUMP_SAVEDIR=\"ftp://user:\(Self.secret)@ftp.example.com:70000/crash\"\n")
        defer { machine.cleanUp() }
        let arguments = (command == "plan" ? ["plan"] : ["--dry-run"]) + ["--test-kdump", "--root", machine.root]
        let text = try CLIRunner.run(arguments)
        #expect(text.status == 78, "\(text.stdout)\(text.stderr)")
        #expect(text.stdout.contains("kdump-config"))
        #expect(text.stdout.contains("/etc/sysconfig/kdump: KDUMP_SAVEDIR: the port is not a number from 1 to 65535"))
        #expect(!(text.stdout + text.stderr).contains(Self.secret))
        let json = try CLIRunner.run(arguments + ["--json"])
        #expect(json.status == 78)
        #expect(!(json.stdout + json.stderr).contains(Self.secret))
    }

    @Test func remoteTargetNetworkAndMailAreShownMasked() throws {
        let machine = try machine(config: """
            KDUMP_SAVEDIR="cifs://dumper:\(Self.secret)@smb.example.com/dumps/crash"
            KDUMP_NETCONFIG="eth0.100:static"
            KDUMP_SMTP_SERVER="smtp.example.com:25"
            KDUMP_SMTP_USER=kdump
            KDUMP_SMTP_PASSWORD="\(Self.secret)"
            KDUMP_NOTIFICATION_TO=ops@example.com

            """)
        defer { machine.cleanUp() }
        let text = try CLIRunner.run(["--dry-run", "--test-kdump", "--root", machine.root])
        #expect(!(text.stdout + text.stderr).contains(Self.secret))
        #expect(text.stdout.contains("cifs://dumper:***@smb.example.com/dumps/crash"), "\(text.stdout)")
        #expect(text.stdout.contains("eth0.100 (VLAN 100 on eth0)"))
        #expect(text.stdout.contains("mail to ops@example.com via smtp.example.com:25 as kdump (password ***)"))
        let json = try CLIRunner.run(["--dry-run", "--test-kdump", "--json", "--root", machine.root])
        #expect(!(json.stdout + json.stderr).contains(Self.secret))
        let capture = try #require(try json.json()["capture"] as? [String: Any])
        let delivery = try #require(capture["delivery"] as? [String: Any])
        let target = try #require(delivery["target"] as? [String: Any])
        #expect(target["url"] as? String == "cifs://dumper:***@smb.example.com/dumps/crash")
        #expect(target["passwordSet"] as? Bool == true)
        #expect((delivery["network"] as? [String: Any])?["mode"] as? String == "static")
        #expect((delivery["notification"] as? [String: Any])?["to"] as? [String] == ["ops@example.com"])
    }

    /// kreboot's own saver streams sftp (dump-space only warns: the server's space is not known here).
    @Test func sftpIsSentBySaveDump() throws {
        let machine = try machine(config: "KDUMP_SAVEDIR=\"sftp://dump@backup.example.com/srv/crash\"\n")
        defer { machine.cleanUp() }
        let result = try CLIRunner.run(["--dry-run", "--test-kdump", "--root", machine.root])
        #expect(!result.stdout.contains("FAIL dump-space"), "\(result.stdout)")
        #expect(result.stdout.contains("sftp://dump@backup.example.com/srv/crash: remote; free space is checked on the server"), "\(result.stdout)")
    }

    /// kreboot's own saver cannot send over ftp yet: refused now (dump-space, 69), not after the panic.
    @Test func ftpIsRefusedUntilSaveDumpSendsIt() throws {
        for url in ["ftp://u:\(Self.secret)@ftp.example.com/crash"] {
            let machine = try machine(config: "KDUMP_SAVEDIR=\"\(url)\"\n")
            defer { machine.cleanUp() }
            let result = try CLIRunner.run(["--dry-run", "--test-kdump", "--root", machine.root])
            #expect(result.stdout.contains("FAIL dump-space"), "\(result.stdout)")
            #expect(result.stdout.contains("kreboot's save-dump cannot send a dump over"))
            #expect(!(result.stdout + result.stderr).contains(Self.secret))
            #expect(result.status != 0)
        }
    }
}
