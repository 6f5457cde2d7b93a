import Quiesce
import LinuxSystem
import KexecCore
import RebootPlan

/// `kreboot --via systemd`: load the planned kernel (before anything is stopped, as always), then hand over
/// to systemd's own shutdown by starting kexec.target in mode `replace-irreversibly`, as `systemctl kexec`
/// does. systemd then stops services, unmounts and executes the loaded kernel; kreboot does no quiesce itself.
public struct SystemdKexecHandover {
    /// The unit systemd's kexec path runs.
    public static let unit = "kexec.target"
    public static let mode = "replace-irreversibly"

    let loader: any KexecLoader
    let services: any ServiceManager
    let journal: any JournalRecorder
    let grubEnvironment: any GrubEnvironmentEditing
    let gate: () throws(QuiesceError) -> Void

    /// - Parameter gate: called after the load, before kexec.target is started; what it throws unloads the
    ///   kernel again (the CLI stops here on Ctrl-C during the load).
    /// - Parameter grubEnvironment: clears grub-reboot's next_entry when the plan says so, as the executor does.
    public init(loader: any KexecLoader, services: any ServiceManager, journal: any JournalRecorder = DiscardingJournal(),
                grubEnvironment: any GrubEnvironmentEditing = GrubEnvironmentFile(),
                gate: @escaping () throws(QuiesceError) -> Void = {}) {
        self.loader = loader
        self.services = services
        self.journal = journal
        self.grubEnvironment = grubEnvironment
        self.gate = gate
    }

    /// Loads `image`, clears GRUB's one-time next_entry when the plan has that step, and starts kexec.target.
    /// If the gate or systemd refuses the start, next_entry is put back and the kernel unloaded again.
    /// Only reboot plans can be handed over: a kdump test needs kreboot's own quiesce and panic.
    public func run(_ plan: RebootPlan, image: KexecImage) throws(QuiesceError) {
        guard plan.ok else {
            throw QuiesceError(.planRefused, operation: "hand over to systemd",
                               "refusing to run the plan: " + (plan.firstFailure.map { "\($0.id.rawValue): \($0.message)" } ?? "a check failed"))
        }
        guard plan.mode == .reboot else {
            throw QuiesceError(.failed, operation: "hand over to systemd", "--via systemd is for reboots; a kdump test uses kreboot's own quiesce")
        }
        do {
            try loader.load(image, crash: false)
        } catch {
            throw QuiesceError(.loadFailed, operation: "load", path: image.kernel, errno: error.errno, kexec: error, error.message)
        }
        journal.record(JournalRecord(.loaded, "kreboot: loaded \(image.kernel); handing over to systemd's \(Self.unit)",
                                     fields: ["KERNEL": image.kernel, "COMMAND_LINE": image.commandLine]))
        var cleared: ClearedNextEntry?
        do throws(QuiesceError) {
            try gate()
            if let file = plan.steps.first(where: { $0.action == .clearGrubNextEntry })?.path {
                cleared = try grubEnvironment.clearNextEntry(in: file)
            }
            try services.enqueueStart(unit: Self.unit, mode: Self.mode)
        } catch {
            var error = error
            if let cleared, (try? grubEnvironment.restore(cleared)) != nil {
                error.rolledBack.append("restore GRUB's next_entry in \(cleared.file)")
            }
            if (try? loader.unload(crash: false)) != nil { error.rolledBack.append("unload the kernel") }
            throw error
        }
    }
}
