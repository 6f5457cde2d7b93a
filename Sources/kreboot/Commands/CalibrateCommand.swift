import ArgumentParser
import Execution
import Kdump
import LinuxSystem
import Quiesce
import KexecCore
import RebootPlan

/// `kreboot calibrate`: how much memory to reserve for the capture kernel, the kernel parameters to
/// append, and how that compares with the reservation now.
struct CalibrateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "calibrate",
        abstract: "Recommend the crashkernel= reservation (Low/High) for this machine.",
        discussion: """
        The model (documented in CrashkernelCalibrator): the larger of kdump-utils' default table for \
        this RAM size and kdumpctl estimate's sum (capture kernel + initrd + 64 MiB run time + \
        makedumpfile bitmaps); then SUSE's rule SIZE_HIGH = RECOMMENDATION + LUNs/2 on x86_64 (with \
        more than 4 GiB of RAM a 72 MiB Low is reserved too), SIZE_LOW = RECOMMENDATION + LUNs/2 elsewhere.
        """)

    @OptionGroup var global: GlobalOptions

    @Option(name: .long, help: "LUN kernel paths expected at most (default: the SCSI devices in /sys/class/scsi_device).")
    var luns: Int?

    mutating func validate() throws {
        if let luns, luns < 0 { throw ValidationError("--luns must be 0 or more") }
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
        if global.json {
            try JSONOutput.print(rec)
            return
        }
        let e = rec.estimate
        print("RAM:            \(rec.ramMiB) MiB (\(rec.ramGiB) GiB), \(rec.arch), \(rec.luns) LUN\(rec.luns == 1 ? "" : "s")")
        print("Baseline:       \(e.baselineMiB) MiB (kdump-utils default for \(rec.ramGiB) GiB)")
        print("Estimate:       \(e.estimatedMiB) MiB = kernel \(e.kernelMiB) + initrd \(e.initrdMiB) + runtime \(e.runtimeMiB) + bitmaps \(e.bitmapMiB)")
        print("Recommendation: \(rec.recommendationMiB) MiB  (Low \(rec.recommendedLow), High \(rec.recommendedHigh))")
        print("Reserve:        Low \(rec.low.map { "\($0) MiB" } ?? "not used"), High \(rec.high.map { "\($0) MiB" } ?? "not used")")
        print("Kernel parameters to append:")
        print("  \(rec.parameters)")
        print("Reserved now:   \(rec.reservedMiB) MiB — " + (rec.sufficient ? "sufficient"
              : "less than the \(rec.totalMiB) MiB recommended"))
    }
}
