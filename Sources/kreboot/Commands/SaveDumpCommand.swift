import ArgumentParser
import Glibc
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
        Honours KDUMP_SAVEDIR (local paths, file://, nfs:// and cifs:// mounted by the kernel), KDUMP_DUMPFORMAT, KDUMP_DUMPLEVEL, \
        KDUMP_FREE_DISK_SIZE, KDUMP_KEEP_OLD_DUMPS and KDUMP_IMMEDIATE_REBOOT. In a capture boot under systemd \
        (kreboot-save-dump.service, which has no default dependencies) it first starts the mount units of the \
        /etc/fstab entries at or above the save directory and /var/lib/kreboot and waits for them, brings up KDUMP_NETCONFIG's network with systemd-networkd (files in \
        /run/systemd/network, waiting at most KDUMP_NET_TIMEOUT) when the target or a mail needs it, and checks \
        that a remote server answers before sending; it reboots as `systemctl reboot --force` does (services are \
        not stopped, file systems are unmounted). As PID 1 (init= of a \
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
        let request = CaptureBootSave.Request(root: RootDirectory(global.root), configFile: config, vmcore: vmcore,
                                              mountDevice: mount, makedumpfile: makedumpfile, testRecord: testRecord,
                                              noReboot: noReboot)
        let save = CaptureBootSave(request: request, log: { Terminal.error($0) }, requestReboot: {
            // What `systemctl reboot --force` does, over sd-bus: a capture boot has no service worth an orderly
            // stop (systemd still unmounts, syncs and detaches the devices); as kdump-tools' `reboot -f`.
            do throws(QuiesceError) {
                try SystemdServiceManager().rebootSkippingServices()
            } catch {
                Terminal.error("cannot ask systemd to reboot: \(error.message)")
            }
        }, startUnit: { unit in
            // What `systemctl start --no-block UNIT` does, over sd-bus (the network bring-up waits for the address).
            do throws(QuiesceError) {
                try SystemdServiceManager().enqueueStart(unit: unit, mode: "replace")
                return nil
            } catch {
                return error.message
            }
        }, startUnitAndWait: { unit in
            // What `systemctl start UNIT` does, over sd-bus (the save directory's mount units).
            do throws(QuiesceError) {
                try SystemdServiceManager(jobTimeout: .seconds(180)).start(unit: unit)
                return nil
            } catch {
                return error.message
            }
        })
        throw ExitCode(Self.status(of: save.run(report: render)))
    }

    /// Prints the outcome (the console, as init= of the capture boot).
    private func render(_ outcome: CaptureBootSave.Outcome) {
        switch outcome {
        case .badConfiguration(let error): Terminal.error(error.message)
        case .usage(let message): Terminal.error(message)
        case .failed(let error): Terminal.error(error.message)
        case .saved(let result, _):
            if global.json { try? JSONOutput.print(result) } else {
                print("saved \(result.vmcore ?? "(no vmcore: KDUMP_DUMPFORMAT=none)") in \(result.directory)")
                if let dmesg = result.dmesg { print("kernel log: \(dmesg)") }
                if let id = result.testID { print("kdump test: \(id)") }
            }
            for warning in result.warnings { Terminal.error("warning: \(warning)") }
        }
        // Out before the reboot that may follow (every stream: fflush(NULL)): systemd then kills this process
        // without waiting for its exit.
        fflush(nil)
    }

    /// The exit status of an outcome.
    static func status(of outcome: CaptureBootSave.Outcome) -> ExitStatus {
        switch outcome {
        case .badConfiguration: .badData
        case .usage: .usage
        case .failed(let error): ExitStatus.forKexec(error)
        case .saved: .ok
        }
    }
}
