import KexecCore
import LinuxSystem

/// One step of a plan: everything a run does, with what it needs. The executor runs exactly these, in
/// order, and obeys nothing else; a dry run prints them. Encodes as the plan JSON's step objects, an
/// `action` plus the step's fields: `{"action":"unmount","path":"/srv","source":"/dev/vdb","fstype":"ext4",…}`.
public enum PlanStep: Sendable, Equatable {
    /// kexec_file_load the kernel, initrds and command line, before anything is stopped.
    case load(KexecImage)
    /// Load the capture kernel into the crashkernel reservation.
    case loadCrash(KexecImage)
    /// Clear grub-reboot's one-time `next_entry` in this grubenv, as GRUB does when it boots that entry.
    case clearGrubNextEntry(grubenv: String)
    /// Delete systemd-boot's one-time choice, the EFI variable `variable` (LoaderEntryOneShot-4a67b082-…, set by
    /// `bootctl set-oneshot`), as systemd-boot does when it boots; `entry` is what it named when planned.
    case clearSystemdBootOneShot(variable: String, entry: String)
    /// Isolate a systemd unit (rescue.target): services and login sessions stop.
    case isolate(unit: String)
    /// Turn an active swap area off, before the file system under it is touched.
    case swapOff(SwapArea)
    /// Ask journald to move its journal from /var to /run, before the file system holding
    /// `journalDirectory` is unmounted or made read-only.
    case moveJournal(journalDirectory: String)
    /// Unmount a file system (children before parents); a busy one is made read-only instead.
    case unmount(MountEntry)
    /// Remount a file system read-only (`/`, which cannot be unmounted).
    case remountReadOnly(path: String)
    /// sync(2): every dirty page to disk.
    case sync
    /// reboot(LINUX_REBOOT_CMD_KEXEC) into the loaded kernel.
    case exec
    /// Crash through /proc/sysrq-trigger; the capture kernel takes over.
    case panic
    /// `--via systemd`: start `unit` in job mode `mode` (kexec.target, replace-irreversibly), as
    /// `systemctl kexec` does; systemd stops services, unmounts and executes the loaded kernel.
    case handOver(unit: String, mode: String)

    /// The step's name in the plan JSON.
    public enum Action: String, Codable, Sendable, CaseIterable {
        case load, loadCrash, clearGrubNextEntry, clearSystemdBootOneShot, isolate, swapOff, moveJournal, unmount, remountReadOnly, sync,
             exec, panic, handOver
    }

    /// What the step does, as its JSON names it.
    public var action: Action {
        switch self {
        case .load: .load
        case .loadCrash: .loadCrash
        case .clearGrubNextEntry: .clearGrubNextEntry
        case .clearSystemdBootOneShot: .clearSystemdBootOneShot
        case .isolate: .isolate
        case .swapOff: .swapOff
        case .moveJournal: .moveJournal
        case .unmount: .unmount
        case .remountReadOnly: .remountReadOnly
        case .sync: .sync
        case .exec: .exec
        case .panic: .panic
        case .handOver: .handOver
        }
    }

    /// Whether the step loads a kernel (the steps before anything is stopped).
    public var isLoad: Bool { action == .load || action == .loadCrash }

    /// A short human description: `unmount /srv/data (/dev/vdb, ext4)`.
    public var summary: String {
        switch self {
        case .load(let image): "load \(image.kernel) (kexec_file_load)"
        case .loadCrash(let image): "load \(image.kernel) as the capture kernel into the crashkernel area"
        case .clearGrubNextEntry(let grubenv): "clear GRUB's one-time next_entry in \(grubenv)"
        case .clearSystemdBootOneShot(let variable, let entry): "clear systemd-boot's one-time entry \"\(entry)\" (EFI variable \(variable))"
        case .isolate(let unit): "isolate \(unit)"
        case .swapOff(let area): "swap off \(area.path) (\(area.kind.rawValue))"
        case .moveJournal(let directory): "move the journal from \(directory) to /run (journald)"
        case .unmount(let mount): "unmount \(mount.target) (\(mount.source), \(mount.fstype))"
        case .remountReadOnly(let path): "remount \(path) read-only"
        case .sync: "sync file systems"
        case .exec: "kexec into the new kernel (reboot LINUX_REBOOT_CMD_KEXEC)"
        case .panic: "panic through /proc/sysrq-trigger (capture kernel takes over)"
        case .handOver(let unit, let mode): "start \(unit) (\(mode)): systemd stops services, unmounts and executes"
        }
    }
}
