import ArgumentParser
import Execution
import Kdump
import LinuxSystem
import Quiesce
import KexecCore
import RebootPlan

/// `kreboot save-dump`: run in the capture kernel (by kreboot-save-dump.service, or as `init=`), saves
/// /proc/vmcore under KDUMP_SAVEDIR and reboots.
struct SaveDumpCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "save-dump",
        abstract: "Save /proc/vmcore in the capture kernel (KDUMP_SAVEDIR/<date-time>/vmcore + dmesg.txt), then reboot.",
        discussion: """
        Honours KDUMP_SAVEDIR (local paths, file://), KDUMP_DUMPFORMAT, KDUMP_DUMPLEVEL, \
        KDUMP_FREE_DISK_SIZE, KDUMP_KEEP_OLD_DUMPS and KDUMP_IMMEDIATE_REBOOT. As PID 1 (init= of a \
        bare capture boot) it mounts /proc, /dev, /sys and a tmpfs /tmp itself, mounts --mount DEVICE on \
        the save directory, and always ends with reboot(2).

        EXAMPLES
          systemctl enable kreboot-save-dump.service
              run it at boot whenever /proc/vmcore exists
          init=/usr/sbin/kreboot -- save-dump --mount /dev/nvme0n2
              on the capture kernel's command line (no initramfs)
          kreboot save-dump --vmcore ./vmcore --no-reboot
              save a dump copied elsewhere (testing)
        """)

    @OptionGroup var global: GlobalOptions

    @Option(name: .long, help: ArgumentHelp("The kdump configuration file (default: found under --root).", valueName: "FILE"))
    var config: String?

    @Option(name: .long, help: ArgumentHelp("The dump to save.", valueName: "PATH"))
    var vmcore: String = "/proc/vmcore"

    @Option(name: .long, help: ArgumentHelp("Mount DEVICE on the save directory first (capture boot as PID 1 only).", valueName: "DEVICE"))
    var mount: String?

    @Option(name: .long, help: ArgumentHelp("The makedumpfile binary.", valueName: "PATH"))
    var makedumpfile: String = "/usr/bin/makedumpfile"

    @Option(name: .long, help: ArgumentHelp("The kdump test record to take the test id from.", valueName: "PATH"))
    var testRecord: String = KdumpTestRecord.defaultPath

    @Flag(name: .long, help: "Do not reboot afterwards, whatever KDUMP_IMMEDIATE_REBOOT says (ignored as PID 1).")
    var noReboot = false

    func run() throws {
        var environment = CaptureBootEnvironment(log: { Terminal.error($0) })
        if CaptureBootEnvironment.isInit { environment.mountBasics() }
        // Only a capture kernel's init reboots: PID 1 of a container (no elfcorehdr=) just exits.
        let asInit = CaptureBootEnvironment.isInit && CaptureBootEnvironment.isCaptureBoot
        if CaptureBootEnvironment.isInit && !asInit {
            Terminal.error("PID 1 but not a capture kernel (no elfcorehdr= on /proc/cmdline): not rebooting")
        }
        let status = save(environment: &environment, asInit: asInit)
        if asInit { environment.finishAndReboot() }
        throw ExitCode(status)
    }

    /// Everything but the final reboot; returns the exit status.
    private func save(environment: inout CaptureBootEnvironment, asInit: Bool) -> ExitStatus {
        let root = RootDirectory(global.root)
        let cfg: KdumpConfig
        do { cfg = try KdumpConfigLoader.load(file: config, root: root) } catch {
            Terminal.error(error.message)
            return .badData
        }
        let saver = DumpSaver(vmcorePath: vmcore, config: cfg, root: root, makedumpfilePath: makedumpfile,
                              testRecordPath: testRecord, log: { Terminal.error($0) })
        do throws(KexecError) {
            let saveDir = try saver.saveDirectory()
            if let device = mount {
                guard asInit else {
                    Terminal.error("--mount is for the capture boot's init= (PID 1); mount \(device) yourself otherwise")
                    return .usage
                }
                // The mount point may have to be created on the root the kernel mounted read-only.
                if !RootDirectory().isDirectory(saveDir) { try environment.makeWritable(saveDir) }
                try environment.mountDevice(device, on: saveDir)
            }
            if asInit { try environment.makeWritable(saveDir) }
            let result = try saver.save()
            if global.json { try? JSONOutput.print(result) } else {
                print("saved \(result.vmcore ?? "(no vmcore: KDUMP_DUMPFORMAT=none)") in \(result.directory)")
                if let dmesg = result.dmesg { print("kernel log: \(dmesg)") }
                if let id = result.testID { print("kdump test: \(id)") }
            }
            for warning in result.warnings { Terminal.error("warning: \(warning)") }
            if !asInit && result.immediateReboot && !noReboot && vmcore == "/proc/vmcore" {
                Terminal.error("KDUMP_IMMEDIATE_REBOOT: rebooting")
                // What `systemctl --no-block reboot` does, over sd-bus.
                do {
                    try SystemdServiceManager().enqueueStart(unit: "reboot.target", mode: "replace-irreversibly")
                } catch {
                    Terminal.error("cannot start reboot.target: \(error.message)")
                }
            }
            return .ok
        } catch {
            Terminal.error(error.message)
            return ExitStatus.forKexec(error)
        }
    }
}
