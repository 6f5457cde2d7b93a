import ArgumentParser
import Execution
import Kdump
import KexecCore
import LinuxSystem
import Quiesce
import RebootPlan

/// `kreboot kdump start|stop|status|reload`: keeps a capture kernel armed, in the spirit of kdump-tools'
/// kdump-config and kdump-utils' kdumpctl. kreboot-kdump.service runs `start` at boot.
struct KdumpCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "kdump",
        abstract: "Arm the capture kernel at boot and keep it armed: start, stop, status, reload.",
        discussion: """
        start loads the capture kernel and its initrd into the crashkernel= reservation from the kdump \
        configuration: Red Hat's /etc/kdump.conf (path, core_collector) with /etc/sysconfig/kdump, SUSE's \
        /etc/sysconfig/kdump or Debian's /etc/default/kdump-tools. The kernel is KDUMP_KERNEL (KDUMP_INITRD), \
        else the running kernel's boot entry, else /boot/vmlinuz-RELEASE. On initramfs-tools systems whose \
        initramfs is built with MODULES=most, start and reload first build kreboot's capture initrd, \
        /var/lib/kreboot/capture-initrd/initrd.img-RELEASE: the same recipe with MODULES=dep (only the \
        drivers this machine needs), loaded while the production initrd it was built from is unchanged and \
        built again when it changes; a failed build is a warning and the production initrd is loaded. \
        kreboot-kdump.service runs start --build-later: when the build is due, the production initrd is loaded \
        at once and kreboot-kdump-reload.service builds it and loads again, so the boot does not wait.

        The capture command line (the same rule for kreboot --test-kdump and kreboot load --crash) is \
        KDUMP_COMMANDLINE when set, else the running one without crashkernel=, \
        BOOT_IMAGE=, initrd=, nr_cpus=, hugepages and quiet (as kdump-tools and kdump-utils remove them); \
        minus the keys in KDUMP_COMMANDLINE_REMOVE; plus "irqpoll nr_cpus=1 reset_devices" where \
        KDUMP_COMMANDLINE_APPEND does not set them; plus KDUMP_COMMANDLINE_APPEND; plus the capture entry: \
        "systemd.unit=kreboot-save-dump.service" with an initrd, "init=KREBOOT -- save-dump [--mount DEVICE]" \
        without one (DEVICE: the file system of the save directory when it is not /). An init= or \
        systemd.unit= in KDUMP_COMMANDLINE_APPEND (kdump-tools' unit, say) is kept instead.

        stop unloads it. status says whether a capture kernel is loaded, which one, with which command line, \
        and how the reservation compares with kreboot calibrate ("reservation missing", "too small"). \
        reload loads again (stop + start) when the kernel, the initrd, the configuration or the command line \
        changed since the recorded load; kreboot-kdump.path runs it when /boot or the configuration changes.

        EXIT STATUS
          0 ok, 65 no usable kernel or initrd, 69 no crashkernel= reservation or no kexec, 77 not root

        EXAMPLES
          systemctl enable --now kreboot-kdump.service
              arm the capture kernel now and at every boot (and reload it on changes)
          kreboot kdump status
              loaded or not, the command line, the reservation against calibrate
        """,
        subcommands: [KdumpStartCommand.self, KdumpStopCommand.self, KdumpStatusCommand.self, KdumpReloadCommand.self])
}

/// Options of every `kreboot kdump` command.
struct KdumpServiceOptions: ParsableArguments {
    @OptionGroup var global: GlobalOptions

    @Option(name: .customLong("state-file"), help: .hidden)
    var stateFile: String = KexecStateFile.defaultPath

    /// Refuses --root for the commands that load or unload.
    func requireRealRoot(_ command: String) throws {
        if RootDirectory(global.root) != RootDirectory() {
            throw ValidationError("kdump \(command) works on the running system only; --root is for status")
        }
    }

    func service() -> KdumpService {
        KdumpService(root: RootDirectory(global.root), stateFile: stateFile)
    }

    /// The service once kreboot's capture initrd is built or found current (`CaptureInitrdBuilder`), for
    /// `start` and `reload`: progress and a failed build go to stderr (the production initrd is then loaded).
    /// Nothing is built when the load would be refused anyway (not root, no kexec, no reservation).
    /// With `buildLater`, a build that is needed is not run (`deferredBuild` says so). `initrdNote`: why the
    /// production initrd is loaded when kreboot builds none (MODULES=dep already, no initramfs-tools …), for
    /// the rendering of what was loaded.
    func preparedService(buildLater: Bool = false) -> (service: KdumpService, deferredBuild: Bool, initrdNote: String?) {
        let service = service()
        guard service.checkEnvironment("crash load") == nil, service.verdict.canLoad else { return (service, false, nil) }
        switch CaptureInitrdBuilder().prepare(service: service, buildNow: !buildLater, progress: Terminal.error) {
        case .built(let path, let bytes, let seconds):
            Terminal.error("built \(path) (\(bytes / 1_048_576) MiB) in \(Int(seconds.rounded())) s")
            return (self.service(), false, nil)
        case .failed(let why):
            Terminal.error("warning: kreboot's capture initrd was not built, the production initrd is loaded: \(why)")
            return (service, false, nil)
        case .deferred:
            return (service, true, nil)
        case .current:
            return (service, false, nil)
        case .keptProduction(let reason):
            return (service, false, "no capture initrd of kreboot's own: \(reason)")
        }
    }
}

extension KdumpService.Refusal {
    /// The exit status for this refusal.
    var exitStatus: ExitStatus {
        switch self {
        case .kexec(let error): ExitStatus.forKexec(error)
        case .check(let check): ExitStatus.forCheck(check.id)
        case .reservation: .unavailable
        }
    }

    /// Prints the refusal and returns its exit code.
    func report() -> ExitCode {
        Terminal.error(message)
        return ExitCode(exitStatus)
    }
}

/// `kreboot kdump start`.
struct KdumpStartCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "start",
        abstract: "Load the capture kernel into the crashkernel= reservation from the kdump configuration.")

    @OptionGroup var options: KdumpServiceOptions

    @Flag(name: .customLong("build-later"), help: ArgumentHelp(
        "When kreboot's capture initrd must be built, load the production initrd now and have "
        + "kreboot-kdump-reload.service build it and load again (kreboot-kdump.service at boot: the boot "
        + "does not wait for mkinitramfs)."))
    var buildLater = false

    func validate() throws { try options.requireRealRoot("start") }

    func run() throws {
        let (service, deferredBuild, initrdNote) = options.preparedService(buildLater: buildLater)
        switch service.start() {
        case .failure(let refusal): throw refusal.report()
        case .success(let started):
            try Self.render(started, json: options.global.json, initrdNote: initrdNote)
            if deferredBuild { Self.buildLater() }
        }
    }

    /// Enqueues kreboot-kdump-reload.service (what `systemctl start --no-block` does, over sd-bus): ordered
    /// after kreboot-kdump.service, it builds the capture initrd and loads again.
    static func buildLater() {
        let unit = "kreboot-kdump-reload.service"
        do throws(QuiesceError) {
            try SystemdServiceManager().enqueueStart(unit: unit, mode: "replace")
            Terminal.error("kreboot's capture initrd is not built yet: \(unit) builds it and loads again")
        } catch {
            Terminal.error("warning: kreboot's capture initrd is not built and \(unit) could not be started "
                           + "(\(error.message)): run kreboot kdump reload")
        }
    }

    /// Prints what was loaded (warnings to stderr), with `initrdNote` under the initrds.
    static func render(_ started: KdumpService.Started, json: Bool, initrdNote: String? = nil) throws {
        for warning in started.warnings { Terminal.error(warning) }
        let record = started.record
        if json {
            try JSONOutput.print(record)
            return
        }
        print("loaded capture kernel \(record.kernel)" + (record.release.map { " (\($0))" } ?? "") + " via \(record.method.rawValue)")
        for initrd in record.initrds { print("  initrd   \(initrd)") }
        if let initrdNote, !record.initrds.isEmpty { print("           (\(initrdNote))") }
        print("  cmdline  \(record.commandLine)")
        print("  built    \(started.request.explanation)")
    }
}

/// `kreboot kdump stop`.
struct KdumpStopCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "stop", abstract: "Unload the capture kernel.")

    @OptionGroup var options: KdumpServiceOptions

    func validate() throws { try options.requireRealRoot("stop") }

    func run() throws {
        switch options.service().stop() {
        case .failure(let refusal): throw refusal.report()
        case .success(let wasLoaded):
            if options.global.json { try JSONOutput.print(["unloaded": "crash"]) } else {
                print(wasLoaded == false ? "no capture kernel was loaded" : "unloaded the capture kernel")
            }
        }
    }
}
