import KexecCore
import LinuxSystem
import RebootPlan

/// `kreboot save-dump` from start to end, in the order a capture boot needs it:
///
/// 1. As PID 1 (init= of a capture boot without an initramfs): mount /proc, /dev, /sys and /tmp.
/// 2. Read the kdump configuration (`--config`, else what the system has, else the defaults).
/// 3. `--mount DEVICE` (PID 1 only): make the mount point on the read-only root if needed, mount DEVICE there.
/// 4. As PID 1: make the save directory's file system writable.
/// 5. Save (`DumpSaver`): the dump and dmesg, atomically.
/// 6. Report (the caller prints), then: as PID 1, sync, unmount, remount / read-only and reboot(2), always;
///    under systemd, ask systemd to reboot when KDUMP_IMMEDIATE_REBOOT says so (not for `--no-reboot`, and
///    only when the dump was /proc/vmcore).
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
    /// Asks systemd to reboot (`systemctl --no-block reboot`); injected, as Kdump does not talk to systemd.
    public var requestReboot: () -> Void
    /// Whether this process is PID 1 and whether this boot is a capture kernel's (tests pass values).
    public var isInit: Bool
    public var isCaptureBoot: Bool
    /// Whether `isCaptureBoot` was found out here (not passed), so it is found out again once /proc and /sys are mounted.
    let detectsCaptureBoot: Bool

    public init(request: Request, log: @escaping @Sendable (String) -> Void, requestReboot: @escaping () -> Void,
                isInit: Bool = CaptureBootEnvironment.isInit, isCaptureBoot: Bool? = nil) {
        self.request = request
        self.log = log
        self.requestReboot = requestReboot
        self.isInit = isInit
        self.isCaptureBoot = isCaptureBoot ?? (isInit && CaptureBootEnvironment.isCaptureBoot)
        self.detectsCaptureBoot = isCaptureBoot == nil
    }

    /// Whether this run ends with reboot(2): a capture kernel's init.
    public var rebootsAsInit: Bool { isInit && isCaptureBoot }

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
        let outcome = this.save(environment: &environment)
        report(outcome)
        if case .saved(_, rebootRequested: true) = outcome { requestReboot() }
        if this.rebootsAsInit { environment.finishAndReboot() }
        return outcome
    }

    /// Steps 2–5, and whether step 6 asks systemd to reboot.
    func save(environment: inout CaptureBootEnvironment) -> Outcome {
        let config: KdumpConfig
        do { config = try KdumpConfigLoader.load(file: request.configFile, root: request.root) } catch {
            return .badConfiguration(error)
        }
        let saver = DumpSaver(vmcorePath: request.vmcore, config: config, root: request.root,
                              makedumpfilePath: request.makedumpfile, testRecordPath: request.testRecord, log: log)
        do throws(KexecError) {
            let saveDir = try saver.saveDirectory()
            if let device = request.mountDevice {
                guard rebootsAsInit else {
                    return .usage("--mount is for the capture boot's init= (PID 1); mount \(device) yourself otherwise")
                }
                // The mount point may have to be created on the root the kernel mounted read-only.
                if !RootDirectory().isDirectory(saveDir) { try environment.makeWritable(saveDir) }
                try environment.mountDevice(device, on: saveDir)
            }
            if rebootsAsInit { try environment.makeWritable(saveDir) }
            let result = try saver.save()
            let reboot = !rebootsAsInit && result.immediateReboot && !request.noReboot && request.vmcore == "/proc/vmcore"
            return .saved(result, rebootRequested: reboot)
        } catch {
            return .failed(error)
        }
    }
}
