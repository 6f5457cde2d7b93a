import FoundationEssentials
import RebootPlan
import Testing

/// KDUMP_SAVEDIR's URLs and the other distributions' spellings, parsed strictly.
@Suite struct DumpTargetParserTests {
    let file = "/etc/sysconfig/kdump"

    func parse(_ value: String) throws(KdumpConfigError) -> DumpTarget {
        try DumpTargetParser.parse(value, option: "KDUMP_SAVEDIR", file: file)
    }

    func refusal(_ value: String) -> KdumpConfigError? {
        do { _ = try parse(value); return nil } catch { return error }
    }

    @Test func everyProtocol() throws {
        #expect(try parse("/var/crash") == .local("/var/crash"))
        #expect(try parse("file:///var/crash") == .local("/var/crash"))
        #expect(try parse("/var//crash/") == .local("/var//crash/"), "local paths are kept as written")
        let nfs = try parse("nfs://filer.example.com/export/dumps")
        #expect(nfs.scheme == .nfs && nfs.host == "filer.example.com" && nfs.path == "/export/dumps" && nfs.user == nil)
        let cifs = try parse("cifs://joe:s%40cret@smb.example.com/share/crash")
        #expect(cifs.scheme == .cifs && cifs.user == "joe" && cifs.transportPassword() == "s@cret")
        #expect(cifs.cifsShareAndDirectory.share == "share" && cifs.cifsShareAndDirectory.directory == "/crash")
        let sftp = try DumpTargetParser.parse("sftp://dump@[2001:db8::7]:2222/srv/crash", option: "KDUMP_SAVEDIR", file: file, sshKey: "/root/.ssh/id_kdump")
        #expect(sftp.scheme == .sftp && sftp.host == "2001:db8::7" && sftp.port == 2222 && sftp.user == "dump")
        #expect(sftp.sshKey == "/root/.ssh/id_kdump")
        #expect(sftp.description == "sftp://dump@[2001:db8::7]:2222/srv/crash")
        let ftp = try parse("ftp://username:password@ftp.example.com:123/var/crash")
        #expect(ftp.scheme == .ftp && ftp.port == 123 && ftp.user == "username" && ftp.transportPassword() == "password")
        #expect(try parse("smb://h/s/d").scheme == .cifs)
        // SUSE's kdump(5): "It's possible to use "scp" as an alias for "sftp"".
        let scp = try parse("scp://dump@collector/var/crash")
        #expect(scp.scheme == .sftp && scp.description == "sftp://dump@collector/var/crash")
        #expect(try parse("NFS://h/e").scheme == .nfs)
    }

    @Test func malformedValuesAreRefusedNamingTheOptionAndFile() {
        let cases: [(String, String)] = [
            ("gopher://host/dir", "unknown protocol"),
            ("nfs:///export", "no host"),
            ("ftp://u:p@host:0/d", "port"),
            ("ftp://u:p@host:65536/d", "port"),
            ("ftp://u:p@host:12a/d", "port"),
            ("ftp://u:p@host:/d", "port"),
            ("ftp://host/d?x=1", "query"),
            ("ftp://host/d#frag", "query"),
            ("ftp://u:p%zz@host/d", "% escape"),
            ("sftp://u:pw@host/d", "key"),
            ("nfs://u@host/e", "no user"),
            ("cifs://host/", "names no"),
            ("ftp://host", "names no directory"),
            ("nfs://2001:db8::1/e", "brackets"),
            ("nfs://[host]/e", "IPv6"),
            ("file://host/var/crash", "no host"),
            ("var/crash", "not an absolute path"),
            ("nfs://host/e/../../etc", ".."),
            ("ftp://bad host/d", "blank"),
            ("ftp://:pw@host/d", "empty user"),
            ("ftp://a@b@host/d", "%40"),
        ]
        for (value, reason) in cases {
            let error = refusal(value)
            #expect(error != nil, "\(value) was accepted")
            #expect(error?.message.hasPrefix("/etc/sysconfig/kdump: KDUMP_SAVEDIR: ") == true, "\(value)")
            #expect(error?.reason.contains(reason) == true, "\(value): \(error?.reason ?? "")")
            #expect(error?.message.contains("\n") == false)
        }
    }

    @Test func refusalsNeverQuoteThePassword() {
        for value in ["ftp://u:hunter2@host:99999/d", "ftp://u:hunter2@host/d?q", "sftp://u:hunter2@host/d",
                      "cifs://u:hunter2@/share", "ftp://u:hunter2@bad_host!/d", "ftp://u:hun/ter2@host/d",
                      "ftp://u:hunter2/x@host/d", "nfs://u:hunter2@host/e"] {
            let error = refusal(value)
            #expect(error != nil, "\(value)")
            for piece in ["hun", "ter2"] { #expect(error?.message.contains(piece) == false, "\(value)") }
        }
    }

    @Test func hostPathAndUserHostForms() throws {
        let (host, path) = try DumpTargetParser.parseHostPath("nfs.example.com:/export/crash", option: "NFS", file: "f")
        #expect(host == "nfs.example.com" && path == "/export/crash")
        let v6 = try DumpTargetParser.parseHostPath("[fd00::1]:/e", option: "nfs", file: "f")
        #expect(v6.host == "fd00::1" && v6.path == "/e")
        #expect(throws: KdumpConfigError.self) { try DumpTargetParser.parseHostPath("host/export", option: "NFS", file: "f") }
        #expect(throws: KdumpConfigError.self) { try DumpTargetParser.parseHostPath(":/export", option: "NFS", file: "f") }
        let ssh = try DumpTargetParser.parseUserHost("kdump@backup.example.com", option: "SSH", file: "f")
        #expect(ssh.user == "kdump" && ssh.host == "backup.example.com")
        #expect(throws: KdumpConfigError.self) { try DumpTargetParser.parseUserHost("@host", option: "SSH", file: "f") }
        #expect(throws: KdumpConfigError.self) { try DumpTargetParser.parseUserHost("user@", option: "SSH", file: "f") }
    }
}
