import ArgumentParser
#if canImport(Glibc)
import Glibc
#endif
import Execution
import Kdump
import LinuxSystem
import KexecCore
import Quiesce
import RebootPlan

/// The `kreboot` command: a safe kexec reboot. Without a subcommand it plans, loads, quiesces and executes;
/// `--dry-run` prints the plan instead, `--test-kdump` runs a verified crash test.
@main
struct Kreboot: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "kreboot",
        abstract: "Reboot into a new kernel with kexec, safely: plan, load, quiesce, execute.",
        discussion: """
        kreboot reads the boot loader's configuration (GRUB2, Boot Loader Spec entries,
        /boot/vmlinuz), picks the kernel the machine would boot, loads it with
        kexec_file_load before anything is stopped, then isolates rescue.target,
        unmounts read-write file systems deepest first, remounts / read-only, syncs and
        boots the new kernel with reboot(LINUX_REBOOT_CMD_KEXEC). If a step fails, it
        rolls back.

        SAFETY
          Load before quiesce
              The kernel and initrds are checked and loaded first; if the kernel
              refuses them, nothing has been stopped. Nothing is read from /boot
              after that.
          One-time entries
              A default chosen with grub-reboot (next_entry in grubenv) is cleared
              right after the load, as GRUB clears it when it boots it; a rollback
              puts it back.
          Rollback
              A busy mount is remounted read-only instead; a remount refused as busy
              is synced and tried again for up to a second (a process that is
              exiting may still hold a file). If a later step fails (a mount that
              stays busy, a unit that does not stop), kreboot undoes what it did,
              newest first: remounts read-write what it made read-only, mounts
              again what it unmounted (source, type and options as they were),
              moves the journal back, turns swaps on, re-isolates the default
              target, unloads the kernel and exits non-zero (75 when it is safe
              to retry).
          Network file systems
              NFS, CIFS/SMB and other network mounts (by type, or _netdev in
              fstab) are probed before anything is stopped (statfs in a child,
              5 s): a server that does not answer refuses the run (75), naming
              it, unless --detach-unreachable-network-mounts detaches that mount
              lazily. They are unmounted before the isolate, while the network
              is up, each in a child with a time limit (30 s): a timeout rolls
              back (75) naming the mount and the server.
          Swap and journal
              Every active swap is turned off after the isolate (refused up front
              when its pages do not fit in free memory); journald moves to /run
              right before the file system holding /var/log/journal is touched.
          Confirmation
              A real run shows the target and asks on the terminal (a kdump test wants
              the host name typed); without a terminal it needs --yes. It refuses
              while other users are logged in (--ignore-sessions) or shutdown is
              inhibited (--ignore-inhibitors), and never boots with a local file
              system still mounted read-write: that has no override.
          Interruption
              Once confirmed, Ctrl-C or SIGTERM stops the run before its next step
              and rolls back (exit 130); a hung-up terminal does not stop it.
          Dry run
              --dry-run and the plan, entries, status, inspect, calibrate and dumps
              commands change nothing.

        EXIT STATUS
          0   ok
          1   internal error, or the confirmation was declined
          64  usage: bad arguments, no terminal to confirm on without --yes
          65  bad data: no such entry, a corrupt or missing kernel or initrd
          69  unavailable: no kexec in the kernel, kexec disabled, lockdown, no crashkernel=
          75  temporary: a busy mount, other sessions, an inhibitor; safe to retry
          77  no permission: not root, no CAP_SYS_BOOT, in a container
          78  configuration: a malformed kdump setting (KDUMP_SAVEDIR, KDUMP_NETCONFIG …)
          130 interrupted (Ctrl-C, SIGTERM) during the run; rolled back

        FILES
          /boot/grub/grub.cfg, /boot/grub/grubenv
              GRUB2 menu and saved default (also under /boot/grub2)
          /boot/loader/entries/*.conf, /boot/loader/loader.conf
              Boot Loader Spec entries and default (also under /boot/efi)
          /boot/vmlinuz, /boot/initrd.img
              the kernel when no boot loader configuration is found
          /proc/cmdline, /proc/self/mountinfo
              the running command line; the mounts to unmount or remount read-only
          /sys/kernel/kexec_loaded, kexec_crash_loaded, kexec_crash_size
              kexec state and the crashkernel= reservation
          /etc/default/kdump-tools, /etc/sysconfig/kdump, /etc/kdump.conf
              kdump configuration: KDUMP_SAVEDIR, KDUMP_COMMANDLINE, KDUMP_DUMPLEVEL and more
              (Red Hat: path, core_collector)
          /run/kreboot/state.json
              what kreboot loaded (read by status and unload)
          /run/kreboot/runs/ID/
              one real run: request, progress.log, result.json
          /var/lib/kreboot/last-reboot.json
              the last reboot, verified in the next boot (kreboot status shows it,
              kreboot-verify.service stores it with kreboot status --record)
          /var/lib/kreboot/kdump-test.json
              the last kdump test: pending, succeeded or failed
          /var/lib/kreboot/capture-initrd/initrd.img-RELEASE (.stamp)
              kreboot's capture initrd (MODULES=dep), built by kdump start and reload
          /var/crash/DATE-TIME/
              saved dumps (KDUMP_SAVEDIR): vmcore and dmesg.txt; kreboot dumps also lists
              kdump-tools', kdump-utils' and SUSE's dumps in their save directories
          /etc/default/grub.d/kreboot.cfg, /etc/kernel/cmdline
              crashkernel= written by kreboot calibrate --apply (GRUB; BLS with the
              entries' options lines)

        JOURNAL
        Every run, dry runs included, leaves records tagged SYSLOG_IDENTIFIER=kreboot
        with one MESSAGE_ID per outcome: journalctl -t kreboot shows them all,
        journalctl MESSAGE_ID=ID one kind.
          planned             \(JournalMessageID.planned.rawValue)
          loaded              \(JournalMessageID.loaded.rawValue)
          step                \(JournalMessageID.step.rawValue)
          quiesced            \(JournalMessageID.quiesced.rawValue)
          executed            \(JournalMessageID.executed.rawValue)
          rolled back         \(JournalMessageID.rolledBack.rawValue)
          kdump test pending  \(JournalMessageID.kdumpTestPending.rawValue)

        EXAMPLES
          kreboot --dry-run
              show the plan for a fast reboot into the default entry; changes nothing
          kreboot
              fast reboot into the default entry, after confirmation
          kreboot --dry-run --json
              the plan as JSON (schemaVersion 1), for scripts
          kreboot --entry '1>2' --yes
              reboot into the third entry of GRUB's second submenu, without a prompt
          kreboot --test-kdump
              crash test: load the capture kernel (or use the one kdump-tools, kdump-utils
              or SUSE's kdump armed), quiesce, write the test's marker to the kernel log,
              panic; in the next boot kreboot status finds the dump by time and marker
          kreboot calibrate --apply
              write the recommended crashkernel= into the boot loader (shows it, asks first)
          kreboot calibrate
              recommend the crashkernel= reservation for this machine
          systemctl enable --now kreboot-kdump.service
              arm the capture kernel at every boot (kreboot kdump start; kreboot kdump status)
          kreboot status
              did the last reboot come up as planned? did the last kdump test save a dump?
          kreboot entries
              list the boot entries, the default marked

        SEE ALSO
          kexec(8), makedumpfile(8), kdump-config(8), systemctl(1), journalctl(1)
        """,
        version: KrebootVersion.string,
        subcommands: [EntriesCommand.self, PlanCommand.self, ExecuteCommand.self,
                      InspectCommand.self, LoadCommand.self, UnloadCommand.self, StatusCommand.self,
                      CalibrateCommand.self, KdumpCommand.self, SaveDumpCommand.self, DumpsCommand.self,
                      ProbeMountCommand.self, NetworkMountCommand.self]
    )

    @OptionGroup var global: GlobalOptions
    @OptionGroup var target: TargetOptions
    @OptionGroup var planning: PlanningOptions
    @OptionGroup var pipeline: RunOptions

    /// The entry point: as PID 1 (the capture kernel's `init=`), the kernel's leftover parameters before the
    /// subcommand are dropped first.
    static func main() {
        CrashReporter.install()
        var arguments = Array(CommandLine.arguments.dropFirst())
        let isPID1 = getpid() == 1
        if isPID1, arguments.isEmpty, let fromKernel = InitArguments.kernelArguments() {
            arguments = fromKernel
        }
        let names = configuration.subcommands.compactMap { $0.configuration.commandName }
        main(InitArguments.clean(arguments, isPID1: isPID1, subcommands: names))
    }

    mutating func validate() throws {
        try target.validate()
        try planning.validate()
    }

    func run() throws {
        let options = target.planOptions(mode: planning.mode, policy: planning.policy)
        let planning = ContinuousClock.now
        let plan = PlanSession(global: global).plan(options)
        let planDuration = ContinuousClock.now - planning
        PlanJournal().send(plan, dryRun: pipeline.dryRun)
        if pipeline.dryRun {
            try PlanOutput(json: global.json).emit(plan)
            throw ExitCode(ExitStatus.forPlan(plan))
        }
        let outcome = RunPipeline(plan: plan, confirmer: Confirmation(assumeYes: pipeline.yes), observer: StepTicker(),
                                  planDuration: planDuration, options: options).run()
        throw ExitCode(RunReport.render(outcome, plan: plan))
    }
}

/// The version printed by `--version`.
enum KrebootVersion {
    static let string = "0.1.0"
}
