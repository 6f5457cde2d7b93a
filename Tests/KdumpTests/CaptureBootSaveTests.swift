@testable import Kdump
import Foundation
import KexecCore
import LinuxSystem
import Synchronization
import Testing

/// `kreboot save-dump`'s sequence outside a capture init: the configuration, `--mount`'s refusal, the save,
/// the report before any reboot, and when systemd is asked to reboot.
@Suite struct CaptureBootSaveTests {
    final class Reboots: Sendable {
        let count = Mutex(0)
        func request() { count.withLock { $0 += 1 } }
    }

    static func tree(config: String) -> String {
        let dir = KdumpFixtures.temporaryDirectory()
        try? FileManager.default.createDirectory(atPath: dir + "/etc/default", withIntermediateDirectories: true)
        KdumpFixtures.write(Array(config.utf8), to: dir + "/etc/default/kdump-tools")
        KdumpFixtures.write(Array(repeating: 0, count: 4096), to: dir + "/vmcore")
        return dir
    }

    func run(_ request: CaptureBootSave.Request, reboots: Reboots) -> (CaptureBootSave.Outcome, reported: Int) {
        let save = CaptureBootSave(request: request, log: { _ in }, requestReboot: reboots.request, isInit: false, isCaptureBoot: false)
        var reported = 0
        let outcome = save.run { _ in reported += 1 }
        return (outcome, reported)
    }

    @Test func savesAndAsksNoRebootForADumpThatIsNotProcVmcore() throws {
        let dir = Self.tree(config: "KDUMP_SAVEDIR=/crash\nKDUMP_DUMPFORMAT=none\nKDUMP_IMMEDIATE_REBOOT=yes\n")
        let reboots = Reboots()
        let (outcome, reported) = run(CaptureBootSave.Request(root: RootDirectory(dir), vmcore: dir + "/vmcore",
                                                              makedumpfile: "/bin/false", testRecord: dir + "/none.json"),
                                      reboots: reboots)
        guard case .saved(let result, let rebootRequested) = outcome else {
            Issue.record("not saved: \(outcome)")
            return
        }
        #expect(result.directory.hasPrefix("/crash/") || result.directory.hasPrefix(dir + "/crash/"))
        #expect(result.vmcore == nil)
        #expect(result.immediateReboot)
        #expect(!rebootRequested)
        #expect(reported == 1)
        #expect(reboots.count.withLock { $0 } == 0)
    }

    @Test func mountIsOnlyForTheCaptureInit() {
        let dir = Self.tree(config: "KDUMP_SAVEDIR=/crash\n")
        let (outcome, reported) = run(CaptureBootSave.Request(root: RootDirectory(dir), vmcore: dir + "/vmcore",
                                                              mountDevice: "/dev/nvme0n2", makedumpfile: "/bin/false"),
                                      reboots: Reboots())
        guard case .usage(let message) = outcome else {
            Issue.record("--mount outside init was not refused: \(outcome)")
            return
        }
        #expect(message == "--mount is for the capture boot's init= (PID 1); mount /dev/nvme0n2 yourself otherwise")
        #expect(reported == 1)
        #expect(!FileManager.default.fileExists(atPath: dir + "/crash"))
    }

    @Test func anUnreadableConfigurationIsBadData() {
        let dir = Self.tree(config: "KDUMP_SAVEDIR=/crash\n")
        let (outcome, _) = run(CaptureBootSave.Request(root: RootDirectory(dir), configFile: "/etc/missing.conf"), reboots: Reboots())
        guard case .badConfiguration(let error) = outcome else {
            Issue.record("a missing --config was not refused: \(outcome)")
            return
        }
        #expect(error.message.hasPrefix("/etc/missing.conf"))
    }

    @Test func aMalformedRemoteSaveDirectoryFails() {
        // Port 0: refused when the configuration is read, before anything would be sent.
        let dir = Self.tree(config: "KDUMP_SAVEDIR=ftp://server:0/crash\n")
        let (outcome, _) = run(CaptureBootSave.Request(root: RootDirectory(dir), vmcore: dir + "/vmcore"), reboots: Reboots())
        guard case .failed(let error) = outcome else {
            Issue.record("a malformed ftp:// save directory was not refused: \(outcome)")
            return
        }
        #expect(error.code == .unavailable)
        #expect(error.message.contains("KDUMP_SAVEDIR: the port"))
    }
}
