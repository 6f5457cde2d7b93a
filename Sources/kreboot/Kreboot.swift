import ArgumentParser
import RebootPlan

/// The `kreboot` command: a safe kexec reboot. Without a subcommand it plans, loads, quiesces and executes;
/// `--dry-run` prints the plan instead, `--test-kdump` runs a verified crash test.
@main
struct Kreboot: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "kreboot",
        abstract: "Reboot into a new kernel with kexec, safely: plan, load, quiesce, execute.",
        discussion: """
        kreboot reads the boot loader's configuration (GRUB2, Boot Loader Spec entries, /boot/vmlinuz), picks \
        the kernel the machine would boot, loads it with kexec_file_load before anything is stopped, then \
        isolates rescue.target, unmounts read-write file systems deepest first, remounts / read-only, syncs \
        and boots the new kernel with reboot(LINUX_REBOOT_CMD_KEXEC). If a step fails, it rolls back.

        EXIT CODES
          0 ok · 64 usage · 65 bad data (no entry, corrupt or missing kernel/initrd) · 69 unavailable \
        (kexec unsupported or disabled, lockdown, no crashkernel) · 75 temporary (busy mount, sessions; \
        rolled back, safe to retry) · 77 no permission (not root, no CAP_SYS_BOOT, container) · 1 internal.

        EXAMPLES
          kreboot --dry-run                 show the plan for a fast reboot
          kreboot --dry-run --json          the plan as JSON (schemaVersion 1)
          kreboot --entry 1>2 --yes         reboot into the third entry of GRUB's submenu, no prompt
          kreboot --test-kdump              crash test: load the capture kernel, quiesce, panic
          kreboot entries                   list the boot entries, the default marked
        """,
        version: KrebootVersion.string,
        subcommands: [EntriesCommand.self, PlanCommand.self, ExecuteCommand.self,
                      InspectCommand.self, LoadCommand.self, UnloadCommand.self, StatusCommand.self,
                      CalibrateCommand.self, SaveDumpCommand.self, DumpsCommand.self]
    )

    @OptionGroup var global: GlobalOptions
    @OptionGroup var target: TargetOptions
    @OptionGroup var pipeline: RunOptions

    mutating func validate() throws {
        try target.validate()
    }

    func run() throws {
        let options = target.planOptions(mode: pipeline.testKdump ? .kdumpTest : .reboot, force: pipeline.force)
        let plan = PlanSession(global: global).plan(options)
        if pipeline.dryRun {
            try PlanOutput(json: global.json).emit(plan)
            throw ExitCode(ExitStatus.forPlan(plan))
        }
        let status = PipelineRunner(plan: plan, assumeYes: pipeline.yes, force: pipeline.force).run()
        throw ExitCode(status)
    }
}

/// The version printed by `--version`.
enum KrebootVersion {
    static let string = "0.1.0"
}
