@testable import Kdump
import Foundation
import KexecCore
import LinuxSystem
import RebootPlan
import Testing

/// makedumpfile and ssh in one fake (the saver runs both through one runner): makedumpfile -F writes the dump
/// to the descriptor given as its stdout, --dump-dmesg a file; ssh records each remote command and what it read
/// on stdin, and answers the listing of old dumps.
final class FakeMakedumpfileAndSSH: SubprocessRunner, @unchecked Sendable {
    let lock = NSLock()
    var commands: [String] = []
    var received: [String: [UInt8]] = [:]
    var oldDumps = "2020-01-01-00:00:00\n2020-01-02-00:00:00\n"
    var dump: [UInt8] = Array("makedumpfile flattened dump".utf8)
    var sshFailsOn: String?
    /// What makedumpfile -F prints before its closing line (its warnings).
    var dumpWarnings = ""

    func run(_ argv: [String], options: SubprocessOptions) throws(SystemError) -> SubprocessResult {
        if argv[0].hasSuffix("ssh") {
            let command = argv.last ?? ""
            var input: [UInt8] = []
            if let fd = options.descriptors[0] {
                var buffer = [UInt8](repeating: 0, count: 4096)
                while true {
                    let n = read(fd, &buffer, buffer.count)
                    if n <= 0 { break }
                    input += buffer[0..<n]
                }
            }
            lock.withLock {
                commands.append(command)
                if command.hasPrefix("cat > ") { received[command] = input }
            }
            if let sshFailsOn, command.contains(sshFailsOn) { return SubprocessResult(status: 255, output: "ssh: connect to host backup port 22: No route to host\n") }
            if command.contains("for d in */") { return SubprocessResult(status: 0, output: oldDumps) }
            return SubprocessResult(status: 0)
        }
        if argv.contains("--dump-dmesg") {
            KdumpFixtures.write(Array("[ 1.0] Kernel panic - not syncing: test\n".utf8), to: argv[3])
            return SubprocessResult(status: 0)
        }
        if argv.contains("-F"), let out = options.descriptors[1] {
            _ = dump.withUnsafeBytes { write(out, $0.baseAddress, dump.count) }
            return SubprocessResult(status: 0, output: dumpWarnings + "The dumpfile is saved to STDOUT.\n")
        }
        return SubprocessResult(status: 1, output: "unexpected \(argv)")
    }
}

@Suite struct StreamedDumpSaveTests {
    static let config = """
        KDUMP_SAVEDIR=sftp://dump@backup/srv/crash
        KDUMP_SSH_IDENTITY=/root/.ssh/id_kdump
        KDUMP_KEEP_OLD_DUMPS=1

        """

    func saver(_ runner: FakeMakedumpfileAndSSH, dir: String) -> DumpSaver {
        KdumpFixtures.write(Array(repeating: 0, count: 4096), to: dir + "/vmcore")
        let config = KdumpConfigReader.parse(text: Self.config, file: "/etc/sysconfig/kdump")
        return DumpSaver(vmcorePath: dir + "/vmcore", config: config, root: RootDirectory(dir), makedumpfilePath: "/usr/bin/makedumpfile",
                         testRecordPath: dir + "/none.json", runner: runner,
                         now: { Date(timeIntervalSince1970: 1_764_489_600) })
    }

    @Test func streamsTheFlattenedDumpAndMarksItCompleteLast() throws {
        let dir = KdumpFixtures.temporaryDirectory()
        let fake = FakeMakedumpfileAndSSH()
        let result = try saver(fake, dir: dir).save()
        let name = "2025-11-30-08:00:00"
        #expect(result.directory == "/srv/crash/\(name)")
        #expect(result.vmcore == "/srv/crash/\(name)/vmcore")
        #expect(result.rotated == ["2020-01-01-00:00:00"])
        let commands = fake.commands
        #expect(commands.contains("rm -rf -- '/srv/crash/2020-01-01-00:00:00'"))
        #expect(!commands.contains { $0.contains("2020-01-02") && $0.hasPrefix("rm") })
        #expect(fake.received["cat > '/srv/crash/\(name)/vmcore.incomplete'"] == fake.dump)
        let renameVmcore = try #require(commands.firstIndex { $0.contains("mv -f -- '/srv/crash/\(name)/vmcore.incomplete'") })
        let manifests = commands.indices.filter { commands[$0] == "cat > '/srv/crash/\(name)/kreboot-dump.json.incomplete'" }
        #expect(manifests.count == 2 && manifests[0] < renameVmcore && manifests[1] > renameVmcore)
        let last = try JSONDecoder().decode(DumpManifest.self, from: Data(fake.received["cat > '/srv/crash/\(name)/kreboot-dump.json.incomplete'"] ?? []))
        #expect(last.complete)
        #expect(last.problems.isEmpty && result.warnings.isEmpty)
        #expect(fake.received["cat > '/srv/crash/\(name)/dmesg.txt.incomplete'"].map { String(decoding: $0, as: UTF8.self) }?.contains("Kernel panic") == true)
    }

    /// makedumpfile's "kernel version is not supported" while streaming: kept in the result and in the
    /// manifest sent last.
    @Test func makedumpfilesWarningGoesIntoTheManifestSentLast() throws {
        let dir = KdumpFixtures.temporaryDirectory()
        let fake = FakeMakedumpfileAndSSH()
        fake.dumpWarnings = "The kernel version is not supported.\nThe makedumpfile operation may be incomplete.\n"
        let result = try saver(fake, dir: dir).save()
        #expect(result.warnings.count == 1 && result.warnings.first?.hasPrefix("makedumpfile does not know this kernel's version") == true)
        let manifest = try JSONDecoder().decode(DumpManifest.self, from: Data(
            fake.received["cat > '/srv/crash/2025-11-30-08:00:00/kreboot-dump.json.incomplete'"] ?? []))
        #expect(manifest.complete && manifest.problems == result.warnings)
    }

    @Test func aBrokenStreamLeavesNoVmcoreUnderItsFinalName() throws {
        let dir = KdumpFixtures.temporaryDirectory()
        let fake = FakeMakedumpfileAndSSH()
        fake.sshFailsOn = "vmcore.incomplete'"
        do {
            _ = try saver(fake, dir: dir).save()
            Issue.record("saved although the stream failed")
        } catch {
            #expect(error.message.contains("writing /srv/crash/2025-11-30-08:00:00/vmcore.incomplete failed (ssh exit 255)"))
        }
        #expect(!fake.commands.contains { $0.hasPrefix("sync") && $0.contains("vmcore") })
    }

    @Test func ftpGoesThroughLibcurlRequestsWithoutRotation() throws {
        let dir = KdumpFixtures.temporaryDirectory()
        let fake = FakeMakedumpfileAndSSH()
        let curl = RecordingCurl()
        KdumpFixtures.write(Array(repeating: 0, count: 4096), to: dir + "/vmcore")
        let config = KdumpConfigReader.parse(text: "KDUMP_SAVEDIR=ftp://dump:pw%21@backup/srv/crash\nKDUMP_KEEP_OLD_DUMPS=1\n",
                                             file: "/etc/sysconfig/kdump")
        let saver = DumpSaver(vmcorePath: dir + "/vmcore", config: config, root: RootDirectory(dir), makedumpfilePath: "/usr/bin/makedumpfile",
                              testRecordPath: dir + "/none.json", runner: fake, now: { Date(timeIntervalSince1970: 1_764_489_600) })
        let target = try saver.target()
        let result = try StreamedDumpSave(saver: saver, transport: FtpDumpTransport(target: target, performer: curl)).save()
        let name = "2025-11-30-08:00:00"
        #expect(result.vmcore == "/srv/crash/\(name)/vmcore")
        #expect(result.rotated.isEmpty)
        let vmcore = try #require(curl.seen.first { $0.request.url.hasSuffix("/\(name.replacing(":", with: "%3A"))/vmcore.incomplete") })
        #expect(vmcore.uploaded == fake.dump)
        let renames = curl.seen.map(\.request.quote).filter { !$0.isEmpty }
        #expect(renames.contains(["RNFR srv/crash/\(name)/vmcore.incomplete", "RNTO srv/crash/\(name)/vmcore"]))
        #expect(renames.last == ["RNFR srv/crash/\(name)/kreboot-dump.json.incomplete", "RNTO srv/crash/\(name)/kreboot-dump.json"])
        #expect(curl.seen.allSatisfy { $0.request.password == "pw!" && !$0.request.url.contains("pw") })
        #expect(fake.commands.isEmpty)  // no ssh
    }
}
