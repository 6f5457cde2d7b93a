import ArgumentParser
import Kdump
import KexecCore
import LinuxSystem
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
        else the running kernel's boot entry, else /boot/vmlinuz-RELEASE.

        The capture command line is KDUMP_COMMANDLINE when set, else the running one without crashkernel=, \
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

    func session() -> KdumpServiceSession {
        KdumpServiceSession(root: RootDirectory(global.root), stateFile: stateFile)
    }
}

/// `kreboot kdump start`.
struct KdumpStartCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "start",
        abstract: "Load the capture kernel into the crashkernel= reservation from the kdump configuration.")

    @OptionGroup var options: KdumpServiceOptions

    func validate() throws { try options.requireRealRoot("start") }

    func run() throws {
        let session = options.session()
        throw ExitCode(Self.start(session, json: options.global.json))
    }

    /// Checks, reports the reservation, loads.
    static func start(_ session: KdumpServiceSession, json: Bool) -> ExitStatus {
        if let refused = session.checkEnvironment("crash load") { return refused }
        guard session.verdict.canLoad else {
            Terminal.error(session.verdict.message)
            return .unavailable
        }
        if case .tooSmall = session.verdict { Terminal.error("warning: \(session.verdict.message)") }
        switch session.request() {
        case .failure(let status): return status
        case .success(let request): return session.load(request, json: json)
        }
    }
}

/// `kreboot kdump stop`.
struct KdumpStopCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "stop", abstract: "Unload the capture kernel.")

    @OptionGroup var options: KdumpServiceOptions

    func validate() throws { try options.requireRealRoot("stop") }

    func run() throws {
        let session = options.session()
        if let refused = session.checkEnvironment("crash unload") { throw ExitCode(refused) }
        let wasLoaded = session.snapshot.kernel.kexecCrashLoaded
        let status = session.unload()
        if status == .ok {
            if options.global.json { try JSONOutput.print(["unloaded": "crash"]) } else {
                print(wasLoaded == false ? "no capture kernel was loaded" : "unloaded the capture kernel")
            }
        }
        throw ExitCode(status)
    }
}
