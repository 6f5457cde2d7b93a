@testable import Kdump
import KexecCore
import RebootPlan
import LinuxSystem
import Foundation
import Testing

/// A mounter that mounts nothing: records each request (the mount point stays a plain directory).
final class FakeMounter: DumpMounter, @unchecked Sendable {
    var mounts: [(source: String, type: String, target: String, data: String)] = []
    var unmounted: [String] = []
    var resolved: [String] = []

    func resolve(_ host: String) throws(KexecError) -> String {
        resolved.append(host)
        return host.contains(":") ? "fd00::5" : "192.0.2.5"
    }

    func mount(source: String, type: String, target: String, data: String) throws(KexecError) {
        mounts.append((source, type, target, data))
    }

    func unmount(_ target: String) { unmounted.append(target) }
}

/// ssh as a recording fake: each run's argv, and what it read from stdin when given one.
final class FakeSSH: SubprocessRunner, @unchecked Sendable {
    var runs: [(argv: [String], stdin: [UInt8]?)] = []
    var failing: String?

    func run(_ argv: [String], options: SubprocessOptions) throws(SystemError) -> SubprocessResult {
        var input: [UInt8]?
        if let fd = options.descriptors[0] {
            input = []
            var buffer = [UInt8](repeating: 0, count: 4096)
            while true {
                let n = read(fd, &buffer, buffer.count)
                if n <= 0 { break }
                input! += buffer[0..<n]
            }
        }
        runs.append((argv, input))
        if let failing, argv.last?.hasPrefix(failing) == true { return SubprocessResult(status: 255, output: "ssh: connect to host backup port 22: Connection refused\n") }
        return SubprocessResult(status: 0, output: "")
    }
}

/// Each transport behind `DumpTransport`: begin under an incomplete name, stream, commit or abort.
@Suite final class DumpTransportTests {
    let dir = KdumpFixtures.temporaryDirectory()
    deinit { try? FileManager.default.removeItem(atPath: dir) }

    /// A pipe holding `bytes`, its write end closed: what makedumpfile -F would give.
    func pipeWith(_ bytes: [UInt8]) -> Int32 {
        var fds: [Int32] = [-1, -1]
        _ = pipe(&fds)
        _ = bytes.withUnsafeBytes { write(fds[1], $0.baseAddress, bytes.count) }
        close(fds[1])
        return fds[0]
    }

    @Test func localStreamsCommitsAndAborts() throws {
        let transport = LocalDumpTransport(root: dir + "/crash")
        try transport.prepare(directory: "2026-11-30-06:00:00")
        let upload = try transport.begin(directory: "2026-11-30-06:00:00", name: "vmcore")
        let source = pipeWith(Array("flattened dump".utf8))
        defer { close(source) }
        #expect(FileManager.default.fileExists(atPath: dir + "/crash/2026-11-30-06:00:00/vmcore.incomplete"))
        #expect(try upload.stream(from: source) == 14)
        try upload.commit()
        #expect(FileManager.default.contents(atPath: dir + "/crash/2026-11-30-06:00:00/vmcore") == Data("flattened dump".utf8))
        #expect(!FileManager.default.fileExists(atPath: dir + "/crash/2026-11-30-06:00:00/vmcore.incomplete"))

        let aborted = try transport.begin(directory: "2026-11-30-06:00:00", name: "dmesg.txt")
        aborted.abort()
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir + "/crash/2026-11-30-06:00:00") == ["vmcore"])
    }

    @Test func nfsAndCifsMountRequests() throws {
        let nfs = try DumpTargetParser.parse("nfs://filer.example.com:2049/export/crash", option: "KDUMP_SAVEDIR", file: "f")
        let request = try MountedDumpTransport.mountRequest(nfs, address: "192.0.2.5")
        #expect(request.source == "filer.example.com:/export/crash" && request.type == "nfs")
        #expect(request.data == "vers=4.2,soft,timeo=100,retrans=3,addr=192.0.2.5,port=2049")
        var debian = DumpTarget(scheme: .nfs, host: "filer", path: "/e", mountOptions: ["timeo=600", "retrans=5"], option: "NFS")
        #expect(try MountedDumpTransport.mountRequest(debian, address: "192.0.2.5").data == "vers=4.2,soft,timeo=600,retrans=5,addr=192.0.2.5")
        debian.host = "fd00::5"
        #expect(try MountedDumpTransport.mountRequest(debian, address: "fd00::5").source == "[fd00::5]:/e")

        let cifs = try DumpTargetParser.parse("cifs://dumper:pa%2Css@smb.example.com/share/crash/x", option: "KDUMP_SAVEDIR", file: "f")
        let smb = try MountedDumpTransport.mountRequest(cifs, address: "192.0.2.5")
        #expect(smb.source == "//smb.example.com/share" && smb.type == "cifs" && smb.below == "crash/x")
        #expect(smb.data == "unc=\\\\smb.example.com\\share,ip=192.0.2.5,username=dumper,password=pa,,ss")
        let guest = try DumpTargetParser.parse("cifs://smb/share", option: "KDUMP_SAVEDIR", file: "f")
        #expect(try MountedDumpTransport.mountRequest(guest, address: "192.0.2.5").data.hasSuffix(",guest"))
    }

    @Test func saveDumpMountsCifsWritesThereAndNeverLogsThePassword() throws {
        let secret = "Zq-cifs-9917"
        let config = KdumpConfig(file: "/etc/sysconfig/kdump", saveDir: "cifs://dumper:\(secret)@smb.example.com/share/crash",
                                 dumpFormat: "lzo", variables: ["KDUMP_SAVEDIR": "cifs://dumper:\(secret)@smb.example.com/share/crash"])
        let vmcore = dir + "/vmcore-source"
        KdumpFixtures.write(KdumpFixtures.elfCore(), to: vmcore)
        let mounter = FakeMounter()
        let lines = LogLines()
        let saver = DumpSaver(vmcorePath: vmcore, config: config, makedumpfilePath: "/fake/makedumpfile",
                              testRecordPath: dir + "/record.json", runner: FakeMakedumpfile(), availableBytes: { _ in 100_000 << 20 },
                              now: { Date(timeIntervalSince1970: 1_732_632_300) }, log: { lines.append($0) },
                              mounter: mounter, mountPoint: dir + "/mnt")
        let result = try saver.save()
        #expect(mounter.mounts.count == 1 && mounter.mounts[0].target == dir + "/mnt")
        #expect(mounter.mounts[0].data.contains("password=\(secret)"))
        #expect(mounter.unmounted == [dir + "/mnt"])
        #expect(result.directory == dir + "/mnt/crash/2024-11-26-14:45:00")
        #expect(FileManager.default.fileExists(atPath: result.directory + "/vmcore"))
        #expect(try DumpManifest.read(directory: result.directory)?.complete == true)
        let rendered = lines.all.joined(separator: "\n") + String(decoding: try JSONEncoder().encode(result), as: UTF8.self)
        #expect(!rendered.contains(secret), "\(rendered)")
        #expect(lines.all.contains { $0.contains("cifs://dumper:***@smb.example.com/share/crash") })
    }

    @Test func sftpStreamsOverSSHThenRenames() throws {
        let target = DumpTarget(scheme: .sftp, host: "backup", port: 2222, user: "dump", path: "/srv/it's crash",
                                sshKey: "/root/.ssh/id_kdump", option: "KDUMP_SAVEDIR")
        let ssh = FakeSSH()
        let transport = SftpDumpTransport(target: target, runner: ssh)
        try transport.prepare(directory: "d1")
        let upload = try transport.begin(directory: "d1", name: "vmcore")
        let source = pipeWith(Array("KDUMP flattened".utf8))
        defer { close(source) }
        _ = try upload.stream(from: source)
        try upload.commit()
        #expect(ssh.runs.count == 3)
        let argv = ssh.runs[0].argv
        #expect(Array(argv.prefix(5)) == ["/usr/bin/ssh", "-i", "/root/.ssh/id_kdump", "-o", "BatchMode=yes"])
        #expect(argv.contains("-p") && argv.contains("2222") && argv.contains("dump@backup"))
        #expect(argv.last == "mkdir -p -- '/srv/it'\\''s crash/d1'")
        #expect(ssh.runs[1].argv.last == "cat > '/srv/it'\\''s crash/d1/vmcore.incomplete'")
        #expect(ssh.runs[1].stdin == Array("KDUMP flattened".utf8))
        #expect(ssh.runs[2].argv.last?.contains("mv -f -- '/srv/it'\\''s crash/d1/vmcore.incomplete' '/srv/it'\\''s crash/d1/vmcore'") == true)
    }

    @Test func sftpFailureNamesTheTargetAndKeepsTheIncompleteName() throws {
        let target = DumpTarget(scheme: .sftp, host: "backup", user: "dump", path: "/srv/crash", option: "SSH")
        let ssh = FakeSSH()
        ssh.failing = "cat >"
        let upload = try SftpDumpTransport(target: target, runner: ssh).begin(directory: "d", name: "vmcore")
        let source = pipeWith([1, 2, 3])
        defer { close(source) }
        do {
            _ = try upload.stream(from: source)
            Issue.record("a failed ssh was not an error")
        } catch {
            #expect(error.message.hasPrefix("sftp://dump@backup/srv/crash: writing /srv/crash/d/vmcore.incomplete failed (ssh exit 255)"))
        }
        upload.abort()
        #expect(ssh.runs.last?.argv.last == "rm -f -- '/srv/crash/d/vmcore.incomplete'")
        #expect(!ssh.runs.contains { $0.argv.last?.contains("mv ") == true })
    }
}

/// Collected log lines (the saver's progress).
final class LogLines: @unchecked Sendable {
    private(set) var all: [String] = []
    func append(_ line: String) { all.append(line) }
}
