import KexecCore
import LinuxSystem
import RebootPlan

/// What `kreboot kdump start` loads: the capture kernel, initrds and command line of the planner's kdump-test
/// target (KDUMP_KERNEL/KDUMP_INITRD, else the running kernel's boot entry, else /boot/vmlinuz-RELEASE; the
/// command line by `CaptureCommandLine`, the one rule). Pure: the plan and the configuration are values.
public struct KdumpServiceRequest: Sendable, Equatable {
    /// The image to load into the crashkernel reservation.
    public var image: KexecImage
    /// How its command line was built.
    public var explanation: String
    /// The kdump configuration file read, or nil when the defaults apply.
    public var configFile: String?
    /// The files whose change makes `reload` load again (kernel, initrds, configuration), target paths.
    public var watchedFiles: [String]

    /// The request for `target` (a kdump-test plan's target, with `rule` saying how its command line was
    /// built) on a system with kdump configuration `config`.
    public init(target: BootTarget, rule: String?, config: KdumpConfig?) {
        image = KexecImage(kernel: target.kernel, initrds: target.initrds, commandLine: target.commandLine)
        explanation = rule ?? "the kdump test's capture command line"
        configFile = config?.file
        watchedFiles = [target.kernel] + target.initrds + (config.map { [$0.file] } ?? [])
        if let config, config.file == RedHatKdumpConfReader.file { watchedFiles.append(KdumpConfigReader.suseFile) }
    }
}
