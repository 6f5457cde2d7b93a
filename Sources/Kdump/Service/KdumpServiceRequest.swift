import KexecCore
import LinuxSystem
import RebootPlan

/// What `kreboot kdump start` loads: the capture kernel and initrds the kdump test's target selection picks
/// (KDUMP_KERNEL/KDUMP_INITRD, else the running kernel's boot entry, else /boot/vmlinuz-RELEASE) with the
/// `CaptureCommandLine` built from the snapshot. Pure: the snapshot and the target are read by the caller.
public struct KdumpServiceRequest: Sendable, Equatable {
    /// The image to load into the crashkernel reservation.
    public var image: KexecImage
    /// The command line and how it was built.
    public var commandLine: CaptureCommandLine
    /// The kdump configuration file read, or nil when the defaults apply.
    public var configFile: String?
    /// The files whose change makes `reload` load again (kernel, initrds, configuration), target paths.
    public var watchedFiles: [String]

    /// The request for `target` (the planner's kdump-test target; its command line is not used) on the
    /// system of `snapshot`; `kreboot` is the binary the capture boot runs as init.
    public init(target: BootTarget, snapshot: SystemSnapshot, kreboot: String) {
        let config = snapshot.kdump
        let saveDevice = config.flatMap { $0.localSaveDir }.flatMap {
            SaveDirectoryDevice.device(for: $0, mounts: snapshot.mounts)
        }
        commandLine = CaptureCommandLine(running: snapshot.commandLine ?? "", config: config,
                                         hasInitrd: !target.initrds.isEmpty, kreboot: kreboot, saveDevice: saveDevice)
        image = KexecImage(kernel: target.kernel, initrds: target.initrds, commandLine: commandLine.text)
        configFile = config?.file
        watchedFiles = [target.kernel] + target.initrds + (config.map { [$0.file] } ?? [])
        if let config, config.file == RedHatKdumpConfReader.file { watchedFiles.append(KdumpConfigReader.suseFile) }
    }
}
