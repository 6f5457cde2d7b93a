import KexecCore
import LinuxSystem
import RebootPlan

#if canImport(Glibc)
import Glibc
#endif

/// `kreboot save-dump` from start to end, in the order a capture boot needs it:
///
/// 1. As PID 1 (init= of a capture boot without an initramfs): mount /proc, /dev, /sys and /tmp.
/// 2. Read the kdump configuration (`--config`, else what the system has, else the defaults). As
///    kreboot-save-dump.service in a capture boot (`DefaultDependencies=no`: nothing of fstab is mounted yet), start
///    the mount units the dump needs (`CaptureMountUnits`) and wait for them; one that fails fails the save.
/// 3. `--mount DEVICE` (PID 1 only): make the mount point on the read-only root if needed, mount DEVICE there.
/// 4. As PID 1: make the save directory's file system writable.
/// 5. A capture boot under systemd whose dump target or mail needs the network (`DumpDelivery.needsNetwork`):
///    bring up KDUMP_NETCONFIG with systemd-networkd (`CaptureNetworkBringUp`); as PID 1 (no systemd) that is
///    refused (the plan refuses it before, at load time). A remote target: its server must answer on its
///    port within KDUMP_NET_TIMEOUT (`DumpServerCheck`), else the save fails saying so.
/// 6. Save (`DumpSaver`): the dump and dmesg, atomically.
/// 7. Report (the caller prints), then, in a capture boot, write the outcome into a pending `--test-kdump`
///    record when the next boot cannot find it by itself (a failure and its reason; a dump saved on a server),
///    run KDUMP_POSTSCRIPT and mail it when KDUMP_SMTP_SERVER and KDUMP_NOTIFICATION_TO say so;
///    then: as PID 1, sync, unmount, remount / read-only and reboot(2), always; under systemd, ask systemd to
///    reboot (services are not stopped; file systems are unmounted) when KDUMP_IMMEDIATE_REBOOT says so or the
///    save failed (not for `--no-reboot`, and only when the dump was /proc/vmcore).
///
/// Only a capture kernel's init reboots: PID 1 of a container (no elfcorehdr= on /proc/cmdline, none in the device
/// tree) just exits. Unless given, whether this is a capture boot is told again after step 1 (arm64 says it in the
/// device tree, under /sys).
public struct CaptureBootSave {
    /// What the command line asked for.
    public struct Request: Sendable {
        public var root: RootDirectory
        public var configFile: String?
        public var vmcore: String
        public var mountDevice: String?
        public var makedumpfile: String
        public var testRecord: String
        public var noReboot: Bool

        public init(root: RootDirectory = RootDirectory(), configFile: String? = nil, vmcore: String = "/proc/vmcore",
                    mountDevice: String? = nil, makedumpfile: String = "/usr/bin/makedumpfile",
                    testRecord: String = KdumpTestRecord.defaultPath, noReboot: Bool = false) {
            self.root = root
            self.configFile = configFile
            self.vmcore = vmcore
            self.mountDevice = mountDevice
            self.makedumpfile = makedumpfile
            self.testRecord = testRecord
            self.noReboot = noReboot
        }
    }

    /// How it ended (before the final reboot of a capture init).
    public enum Outcome: Sendable {
        /// Saved; `rebootRequested` when systemd is asked to reboot after the report (KDUMP_IMMEDIATE_REBOOT).
        case saved(DumpSaveResult, rebootRequested: Bool)
        /// The configuration could not be read (65).
        case badConfiguration(SystemError)
        /// `--mount` outside a capture init (64).
        case usage(String)
        /// Saving failed.
        case failed(KexecError)
    }

    public var request: Request
    /// Progress and problems, one line each (stderr, the console).
    public var log: @Sendable (String) -> Void
    /// Asks systemd to reboot without stopping the services (`systemctl reboot --force`); injected, as Kdump does
    /// not talk to systemd.
    public var requestReboot: () -> Void
    /// Whether this process is PID 1 and whether this boot is a capture kernel's (tests pass values).
    public var isInit: Bool
    public var isCaptureBoot: Bool
    /// Whether `isCaptureBoot` was found out here (not passed), so it is found out again once /proc and /sys are mounted.
    let detectsCaptureBoot: Bool
    /// Whether this is kreboot-save-dump.service in a capture boot (not PID 1, a capture kernel, /proc/vmcore):
    /// then the network may be brought up and the outcome is recorded.
    public var isCaptureService: Bool
    /// Enqueues a start of a systemd unit without waiting for its job (sd-bus; injected, as Kdump does not talk
    /// to systemd); returns why it could not, nil when enqueued.
    public var startUnit: (String) -> String?
    /// Starts a systemd unit and waits for its job (sd-bus; injected); returns why it failed, nil when it is active.
    public var startUnitAndWait: (String) -> String?
    /// Brings up the network (tests pass a fake; the default is `CaptureNetworkBringUp` with `startUnit`).
    public var bringUpNetwork: ((CaptureNetwork) throws(KexecError) -> Void)?
    /// Checks that the dump server answers (tests pass a fake; the default is `DumpServerCheck`).
    public var checkServer: ((DumpTarget, Int) throws(KexecError) -> Void)?
    /// Sends the notification (tests: a recorder; the default is `DumpNotifier` over SMTP).
    public var sendMail: ((DumpDelivery, DumpNotifier.Event) -> Void)?
    /// Mounts NFS and CIFS targets (tests: a fake that mounts nothing).
    public var mounter: any DumpMounter = SystemDumpMounter()

    public init(request: Request, log: @escaping @Sendable (String) -> Void, requestReboot: @escaping () -> Void,
                isInit: Bool = CaptureBootEnvironment.isInit, isCaptureBoot: Bool? = nil,
                startUnit: @escaping (String) -> String? = { _ in "no service manager" },
                startUnitAndWait: @escaping (String) -> String? = { _ in "no service manager" }) {
        self.request = request
        self.log = log
        self.requestReboot = requestReboot
        self.isInit = isInit
        self.isCaptureBoot = isCaptureBoot ?? (isInit && CaptureBootEnvironment.isCaptureBoot)
        self.detectsCaptureBoot = isCaptureBoot == nil
        self.isCaptureService = !isInit && request.vmcore == "/proc/vmcore" && (isCaptureBoot ?? CaptureBootEnvironment.isCaptureBoot)
        self.startUnit = startUnit
        self.startUnitAndWait = startUnitAndWait
    }

    /// Whether this run ends with reboot(2): a capture kernel's init.
    public var rebootsAsInit: Bool { isInit && isCaptureBoot }

    /// Whether this run is a capture boot's save (as init or as the service).
    public var capturing: Bool { rebootsAsInit || isCaptureService }

    /// Runs steps 1–6; `report` is called with the outcome before a capture init's final reboot (which never
    /// returns). Elsewhere returns the outcome.
    public func run(report: (Outcome) -> Void) -> Outcome {
        var this = self
        var environment = CaptureBootEnvironment(log: log)
        if isInit {
            // /proc and /sys first: whether this is a capture boot is read from /proc/cmdline or the device tree.
            environment.mountBasics()
            if detectsCaptureBoot { this.isCaptureBoot = CaptureBootEnvironment.isCaptureBoot }
            if !this.isCaptureBoot {
                log("PID 1 but not a capture kernel (no elfcorehdr= on /proc/cmdline nor in the device tree): not rebooting")
            }
        }
        // Read once: the mounts, the save, the test record and the notification all follow the same settings.
        let config = this.loadConfig()
        let outcome: Outcome
        if this.isCaptureService, let failure = this.mountSaveFileSystems(config: try? config.get()) {
            outcome = .failed(failure)
        } else {
            outcome = this.save(config: config, environment: &environment)
        }
        report(outcome)
        if this.capturing {
            let read = try? config.get()
            this.recordTestOutcome(outcome, config: read)
            if let read { this.notify(outcome, config: read) }
        }
        if case .saved(_, rebootRequested: true) = outcome {
            log("KDUMP_IMMEDIATE_REBOOT: rebooting")
            requestReboot()
        }
        if case .failed = outcome, this.isCaptureService, !request.noReboot {
            log("the dump was not saved: rebooting")
            requestReboot()
        }
        if this.rebootsAsInit { environment.finishAndReboot() }
        return outcome
    }

    /// Step 2's configuration: `--config`, else what the system has, else the defaults.
    func loadConfig() -> Result<KdumpConfig, SystemError> {
        do { return .success(try KdumpConfigLoader.load(file: request.configFile, root: request.root)) } catch {
            return .failure(error)
        }
    }

    /// Step 2's mounts for the service in a capture boot: starts `CaptureMountUnits`' units in order and waits
    /// for each; the first that fails is returned as the save's failure.
    func mountSaveFileSystems(config: KdumpConfig?) -> KexecError? {
        let fstab = (try? MountTableReader.read(fstab: "/etc/fstab", root: request.root)) ?? []
        let units = CaptureMountUnits.units(config: config, testRecord: request.testRecord, fstab: fstab)
        guard !units.isEmpty else { return nil }
        log("mounting what the dump needs: \(units.joined(separator: " "))")
        for unit in units {
            if let failure = startUnitAndWait(unit) {
                return KexecError(.unavailable, operation: "save-dump", path: "/etc/fstab",
                                  "cannot mount what the dump needs: \(unit): \(failure)")
            }
        }
        return nil
    }

    /// Writes what the next boot cannot find by itself into a pending `--test-kdump` record: a failed save
    /// (`failed`, its reason) or a dump saved on a server (`succeeded`, where). A local dump is left for
    /// `kreboot status` to find and read.
    func recordTestOutcome(_ outcome: Outcome, config: KdumpConfig?) {
        guard let record = try? KdumpTestRecord.read(path: request.testRecord), record.state == .pending else { return }
        var resolved = record
        switch outcome {
        case .saved(let result, _):
            guard let config, let target = remoteTarget(config) else { return }
            resolved.state = .succeeded
            resolved.dumpPath = "\(target)/\(DumpFiles.name(of: result.directory))"
            resolved.message = "dump saved by the capture boot to \(resolved.dumpPath ?? "") (\(result.format)"
                + (result.vmcore == nil ? ", no vmcore" : "") + "); it is on the server, not readable from here"
        case .failed(let error):
            resolved.state = .failed
            resolved.message = "the capture boot did not save the dump: \(error.message)"
        case .badConfiguration(let error):
            resolved.state = .failed
            resolved.message = "the capture boot did not save the dump: \(error.message)"
        case .usage(let message):
            resolved.state = .failed
            resolved.message = "the capture boot did not save the dump: \(message)"
        }
        do { try resolved.write(path: request.testRecord) } catch {
            log("cannot record the kdump test's outcome in \(request.testRecord): \(error.message)")
        }
    }

    /// KDUMP_POSTSCRIPT set: runs it (`PostSaveScript`). KDUMP_SMTP_SERVER and KDUMP_NOTIFICATION_TO set: mails
    /// the outcome (`DumpNotifier`) with the crashed kernel's release (from the vmcore) and panic message
    /// (`makedumpfile --dump-dmesg` into /tmp).
    func notify(_ outcome: Outcome, config: KdumpConfig) {
        guard let delivery = try? DumpDelivery.read(config), !delivery.notification.isEmpty else { return }
        let event: DumpNotifier.Event
        switch outcome {
        case .saved(let result, _): event = .saved(result)
        case .failed(let error): event = .failed(error.message)
        case .badConfiguration(let error): event = .failed(error.message)
        case .usage(let message): event = .failed(message)
        }
        if let sendMail { return sendMail(delivery, event) }
        if let script = delivery.notification.postScript {
            PostSaveScript(command: script, log: log).run(event, target: delivery.target)
        }
        guard delivery.notification.sendsMail else { return }
        let release = (try? VmcoreInspector.inspect(path: request.vmcore).get())?.release
        let scratch = "/tmp/kreboot-mail-dmesg-\(getpid()).txt"
        let dmesg = SpawnSubprocessRunner().runReportingSpawnFailure(
            MakedumpfileInvocation.dmesgArguments(makedumpfile: request.makedumpfile, vmcore: request.vmcore, output: scratch))
        let panic = dmesg.status == 0 ? RootDirectory().readText(scratch).flatMap(VmcoreInspector.panicLine(inDmesg:)) : nil
        _ = unlink(scratch)
        DumpNotifier(notification: delivery.notification, target: delivery.target, log: log).send(event, release: release, panic: panic)
    }

    /// `config`'s remote dump target (masked in its description), nil for a local one.
    func remoteTarget(_ config: KdumpConfig) -> DumpTarget? {
        guard let delivery = try? DumpDelivery.read(config), delivery.target.isRemote else { return nil }
        return delivery.target
    }

    func networkBringUp(_ network: CaptureNetwork) throws(KexecError) {
        if let bringUpNetwork { return try bringUpNetwork(network) }
        try CaptureNetworkBringUp(network: network, startUnit: startUnit, log: log).run()
    }

    func serverCheck(_ target: DumpTarget, _ seconds: Int) throws(KexecError) {
        if let checkServer { return try checkServer(target, seconds) }
        try DumpServerCheck(target: target, timeoutSeconds: seconds, log: log).run()
    }

    /// Steps 2–6, and whether step 7 asks systemd to reboot.
    func save(config loaded: Result<KdumpConfig, SystemError>, environment: inout CaptureBootEnvironment) -> Outcome {
        let config: KdumpConfig
        switch loaded {
        case .success(let read): config = read
        case .failure(let error): return .badConfiguration(error)
        }
        let saver = DumpSaver(vmcorePath: request.vmcore, config: config, root: request.root,
                              makedumpfilePath: request.makedumpfile, testRecordPath: request.testRecord, log: log,
                              mounter: mounter)
        do throws(KexecError) {
            let delivery: DumpDelivery
            do { delivery = try DumpDelivery.read(config) } catch {
                throw KexecError(.unavailable, operation: "save-dump", path: config.file, error.message)
            }
            if capturing && delivery.needsNetwork {
                guard isCaptureService else {
                    throw KexecError(.unavailable, operation: "save-dump", path: config.file,
                                     "\(config.file): KDUMP_NETCONFIG: the dump to \(delivery.target) needs the network, which kreboot brings up only under systemd (kreboot-save-dump.service), not as init=")
                }
                try networkBringUp(delivery.network)
            }
            if capturing && delivery.target.isRemote {
                try serverCheck(delivery.target, delivery.network.timeoutSeconds)
            }
            if let device = request.mountDevice {
                let saveDir = try saver.saveDirectory()
                guard rebootsAsInit else {
                    return .usage("--mount is for the capture boot's init= (PID 1); mount \(device) yourself otherwise")
                }
                // The mount point may have to be created on the root the kernel mounted read-only.
                if !RootDirectory().isDirectory(saveDir) { try environment.makeWritable(saveDir) }
                try environment.mountDevice(device, on: saveDir)
            }
            if rebootsAsInit { try environment.makeWritable(try saver.saveDirectory()) }
            let result = try saver.save()
            let reboot = !rebootsAsInit && result.immediateReboot && !request.noReboot && request.vmcore == "/proc/vmcore"
            return .saved(result, rebootRequested: reboot)
        } catch {
            return .failed(error)
        }
    }
}
