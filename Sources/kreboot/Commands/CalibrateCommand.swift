import ArgumentParser
import Execution
import Kdump
import LinuxSystem
import Quiesce
import KexecCore
import RebootPlan

/// `kreboot calibrate`: how much memory to reserve for the capture kernel, the kernel parameters to
/// append, and how that compares with the reservation now; `--apply` writes them into the boot loader.
struct CalibrateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "calibrate",
        abstract: "Recommend the crashkernel= reservation (Low/High) for this machine; --apply writes it into the boot loader.",
        discussion: """
        The model (documented in CrashkernelCalibrator): the larger of kdump-utils' default table for \
        this RAM size and kdumpctl estimate's sum (capture kernel + initrd + 64 MiB run time + \
        makedumpfile bitmaps); then SUSE's rule SIZE_HIGH = RECOMMENDATION + LUNs/2 on x86_64 (with \
        more than 4 GiB of RAM a 72 MiB Low is reserved too), SIZE_LOW = RECOMMENDATION + LUNs/2 elsewhere.

        APPLY

        --apply writes the recommended parameters into the boot loader's configuration, so the next boot \
        reserves the memory:
          Boot Loader Spec (entries in /boot/loader/entries, e.g. Fedora)
              appended to every entry's "options" line and to /etc/kernel/cmdline (when it exists, for \
        kernels installed later), as "grubby --update-kernel=ALL --args" does; entries whose options are \
        $kernelopts (RHEL 8) get them through grubenv's kernelopts instead, the 1024-byte block keeping its \
        size. What was added is recorded in /var/lib/kreboot/crashkernel-applied. Nothing is generated.
          GRUB (/etc/default/grub, e.g. Debian)
              a drop-in, /etc/default/grub.d/kreboot.cfg, appends them to GRUB_CMDLINE_LINUX_DEFAULT; then \
        grub.cfg is generated again with update-grub (else grub-mkconfig -o /boot/grub/grub.cfg). Where \
        grub-mkconfig reads no /etc/default/grub.d (upstream GRUB: Arch, openSUSE), the line is appended to \
        /etc/default/grub under a marker comment instead.

        The change is shown first, as a diff, and applied after confirmation on the terminal (or with \
        --yes); --dry-run shows it only. Every file is written to a temporary file beside it, synced and \
        renamed over it, keeping its mode. A crashkernel= already set elsewhere (GRUB_CMDLINE_LINUX in \
        /etc/default/grub, kdump-tools' /etc/default/grub.d/kdump-tools.cfg, an entry's options) is \
        reported and not duplicated: change or remove it there. --remove deletes the drop-in (and \
        generates grub.cfg again), or takes exactly the recorded parameters out of the entries and \
        /etc/kernel/cmdline. With --root DIR the files under DIR are edited and the generator is NOT run \
        on this host (its grub.cfg is not DIR's): run it in that system. The reservation takes effect at \
        the next boot.

        EXIT STATUS
          0   ok; also nothing to change, or declined at the prompt
          1   the generator (update-grub, grub-mkconfig) failed; the files stay edited
          64  no terminal to confirm on without --yes
          65  an impossible number in /proc (no recommendation)
          69  neither GRUB defaults nor BLS entries to write into
          77  a file that may not be written

        EXAMPLES
          kreboot calibrate
              the recommendation and how it compares with the reservation now
          kreboot calibrate --apply --dry-run
              show what --apply would change; changes nothing
          kreboot calibrate --apply --yes
              write it into the boot loader without asking, then reboot for it to take effect
          kreboot calibrate --apply --remove
              take kreboot's crashkernel= out again
        """)

    @OptionGroup var global: GlobalOptions

    @Option(name: .long, help: "LUN kernel paths expected at most (default: the SCSI devices in /sys/class/scsi_device).")
    var luns: Int?

    @Flag(name: .long, help: "Write the recommended crashkernel= into the boot loader (GRUB drop-in or BLS entries).")
    var apply = false

    /// --dry-run and --yes: the root command's own flags (ArgumentParser hands them to the group both declare).
    @OptionGroup(title: "With --apply") var confirm: RunOptions
    var dryRun: Bool { confirm.dryRun }
    var yes: Bool { confirm.yes }

    @Flag(name: .long, help: "With --apply: take out what an earlier --apply added.")
    var remove = false

    mutating func validate() throws {
        if let luns, luns < 0 { throw ValidationError("--luns must be 0 or more") }
        if !apply && (dryRun || yes || remove) { throw ValidationError("--dry-run, --yes and --remove go with --apply") }
    }

    func run() throws {
        let root = RootDirectory(global.root)
        let state = KernelStateReader.read(root: root)
        // A recommendation resting on an impossible number would be a wrong one: say which, exit 65.
        if let impossible = CalibrationInputsReader.impossible(root: root, state: state) {
            Terminal.error(impossible)
            throw ExitCode(ExitStatus.badData)
        }
        let inputs = CalibrationInputsReader.read(root: root, state: state, config: KdumpConfigReader.read(root: root), luns: luns)
        let rec = CrashkernelCalibrator.calibrate(inputs)
        if apply {
            throw ExitCode(CalibrateApply(root: root, parameters: rec.parameters, remove: remove, dryRun: dryRun,
                                          confirmation: Confirmation(assumeYes: yes), json: global.json).run())
        }
        if global.json {
            try JSONOutput.print(rec)
            return
        }
        let e = rec.estimate
        print("RAM:            \(rec.ramMiB) MiB (\(rec.ramGiB) GiB), \(rec.arch), \(rec.luns) LUN\(rec.luns == 1 ? "" : "s")")
        print("Baseline:       \(e.baselineMiB) MiB (kdump-utils default for \(rec.ramGiB) GiB)")
        print("Estimate:       \(e.estimatedMiB) MiB = kernel \(e.kernelMiB) + initrd \(e.initrdMiB) + runtime \(e.runtimeMiB) + bitmaps \(e.bitmapMiB)"
              + (e.networkMiB > 0 ? " + network \(e.networkMiB) (the dump goes over the network)" : ""))
        print("Recommendation: \(rec.recommendationMiB) MiB  (Low \(rec.recommendedLow), High \(rec.recommendedHigh))")
        print("Reserve:        Low \(rec.low.map { "\($0) MiB" } ?? "not used"), High \(rec.high.map { "\($0) MiB" } ?? "not used")")
        print("Kernel parameters to append:")
        print("  \(rec.parameters)")
        print("Reserved now:   \(rec.reservedMiB) MiB — " + (rec.sufficient ? "sufficient"
              : "less than the \(rec.totalMiB) MiB recommended"))
    }
}
