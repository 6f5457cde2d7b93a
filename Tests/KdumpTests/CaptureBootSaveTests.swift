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

    /// A capture boot under systemd with an NFS target whose server does not answer: the network is brought up,
    /// the server check fails, the pending test record says why, and systemd is asked to reboot.
    @Test func anUnreachableServerFailsTheTestWithTheReasonAndReboots() throws {
        let dir = Self.tree(config: "KDUMP_SAVEDIR=nfs://10.0.9.1/srv/nfs/crash\nKDUMP_NETCONFIG=enp0s3:static\nKDUMP_NET_TIMEOUT=7\n")
        let recordPath = dir + "/kdump-test.json"
        try KdumpTestRecord(id: "t-1", time: "2026-11-30T09:00:00Z", release: "6.1.0-28-amd64").write(path: recordPath)
        let reboots = Reboots()
        let networks = Mutex<[String]>([])
        var save = CaptureBootSave(request: CaptureBootSave.Request(root: RootDirectory(dir), vmcore: dir + "/vmcore",
                                                                    makedumpfile: "/bin/false", testRecord: recordPath),
                                   log: { _ in }, requestReboot: reboots.request, isInit: false, isCaptureBoot: true)
        save.isCaptureService = true
        save.bringUpNetwork = { network throws(KexecError) in networks.withLock { $0.append(network.summary) } }
        save.checkServer = { target, seconds throws(KexecError) in
            throw KexecError(.unavailable, operation: "save-dump", path: "\(target)", "the dump server \(target.host ?? "") did not answer within \(seconds) s")
        }
        let outcome = save.run { _ in }
        guard case .failed(let error) = outcome else {
            Issue.record("saved although the server is dead: \(outcome)")
            return
        }
        #expect(error.message == "the dump server 10.0.9.1 did not answer within 7 s")
        #expect(networks.withLock { $0 } == ["enp0s3 by the static addresses and routes the system's systemd-networkd configuration gives it, waiting up to 7 s"])
        #expect(reboots.count.withLock { $0 } == 1)
        let record = try #require(try KdumpTestRecord.read(path: recordPath))
        #expect(record.state == .failed)
        #expect(record.message == "the capture boot did not save the dump: the dump server 10.0.9.1 did not answer within 7 s")
    }

    /// Outside a capture boot (`kreboot save-dump --vmcore FILE`) the network is never touched and no record changes.
    @Test func outsideACaptureBootTheNetworkIsLeftAlone() throws {
        let dir = Self.tree(config: "KDUMP_SAVEDIR=nfs://10.0.9.1/srv/nfs/crash\n")
        let recordPath = dir + "/kdump-test.json"
        try KdumpTestRecord(id: "t-2", time: "2026-11-30T09:00:00Z", release: nil).write(path: recordPath)
        var save = CaptureBootSave(request: CaptureBootSave.Request(root: RootDirectory(dir), vmcore: dir + "/vmcore",
                                                                    makedumpfile: "/bin/false", testRecord: recordPath),
                                   log: { _ in }, requestReboot: {}, isInit: false, isCaptureBoot: false)
        let touched = Mutex(false)
        save.bringUpNetwork = { _ throws(KexecError) in touched.withLock { $0 = true } }
        save.checkServer = { _, _ throws(KexecError) in touched.withLock { $0 = true } }
        save.mounter = FakeMounter()
        _ = save.run { _ in }
        #expect(!touched.withLock { $0 })
        #expect(try KdumpTestRecord.read(path: recordPath)?.state == .pending)
    }

    /// As init= (no systemd) a dump that needs the network is refused before anything is done.
    @Test func asInitTheNetworkIsRefused() {
        let dir = Self.tree(config: "KDUMP_SAVEDIR=nfs://10.0.9.1/srv/nfs/crash\n")
        let save = CaptureBootSave(request: CaptureBootSave.Request(root: RootDirectory(dir), vmcore: dir + "/vmcore"),
                                   log: { _ in }, requestReboot: {}, isInit: true, isCaptureBoot: true)
        var environment = CaptureBootEnvironment(log: { _ in })
        guard case .failed(let error) = save.save(config: save.loadConfig(), environment: &environment) else {
            Issue.record("not refused")
            return
        }
        #expect(error.message.hasSuffix("KDUMP_NETCONFIG: the dump to nfs://10.0.9.1/srv/nfs/crash needs the network, which kreboot brings up only under systemd (kreboot-save-dump.service), not as init="))
        #expect(environment.mounted.isEmpty)
    }
    /// kreboot-save-dump.service in a capture boot (no default dependencies) starts the save directory's mount
    /// units and waits for them before saving; one that fails fails the save, which nothing then writes.
    @Test func theServiceMountsTheSaveDirectoryFirstAndAFailedMountFailsTheSave() throws {
        for failing in [false, true] {
            let dir = Self.tree(config: "KDUMP_SAVEDIR=/crash/dumps\nKDUMP_DUMPFORMAT=none\nKDUMP_IMMEDIATE_REBOOT=no\n")
            KdumpFixtures.write(Array("/dev/vdb /crash ext4 defaults 0 2\n/dev/vdc /home ext4 defaults 0 2\n".utf8), to: dir + "/etc/fstab")
            let started = Mutex<[String]>([])
            let reboots = Reboots()
            var save = CaptureBootSave(request: CaptureBootSave.Request(root: RootDirectory(dir), vmcore: dir + "/vmcore",
                                                                        makedumpfile: "/bin/false", testRecord: "/nonexistent/r.json"),
                                       log: { _ in }, requestReboot: reboots.request, isInit: false, isCaptureBoot: true,
                                       startUnitAndWait: { unit in
                                           started.withLock { $0.append(unit) }
                                           return failing ? "the job ended with result \"dependency\"" : nil
                                       })
            save.isCaptureService = true
            let outcome = save.run { _ in }
            #expect(started.withLock { $0 } == ["crash.mount"])
            if failing {
                guard case .failed(let error) = outcome else {
                    Issue.record("saved although /crash could not be mounted: \(outcome)")
                    continue
                }
                #expect(error.message == "cannot mount what the dump needs: crash.mount: the job ended with result \"dependency\"")
                #expect(!FileManager.default.fileExists(atPath: dir + "/crash/dumps"))
                #expect(reboots.count.withLock { $0 } == 1)
            } else {
                guard case .saved(let result, rebootRequested: false) = outcome else {
                    Issue.record("not saved: \(outcome)")
                    continue
                }
                #expect(result.directory.contains("/crash/dumps/"))
                #expect(reboots.count.withLock { $0 } == 0)
            }
        }
    }
}
