import KexecCore
import LinuxSystem
/// One step of a plan. The executor runs exactly these, in order; a dry run prints them.
/// Encodes as the plan JSON's step objects: `{"action":"unmount","path":"/srv","source":"/dev/vdb","fstype":"ext4"}`.
public struct PlanStep: Codable, Sendable, Equatable {
    /// What a step does.
    public enum Action: String, Codable, Sendable, CaseIterable {
        case load, loadCrash, clearGrubNextEntry, isolate, unmount, remountReadOnly, sync, exec, panic
    }

    public var action: Action
    /// The systemd unit for `isolate`.
    public var unit: String?
    /// The mount point for `unmount` / `remountReadOnly`; the grubenv file for `clearGrubNextEntry`.
    public var path: String?
    /// The mount source (device, server:/export) for `unmount`.
    public var source: String?
    /// The file system type for `unmount`.
    public var fstype: String?

    public init(action: Action, unit: String? = nil, path: String? = nil, source: String? = nil, fstype: String? = nil) {
        self.action = action
        self.unit = unit
        self.path = path
        self.source = source
        self.fstype = fstype
    }

    public static let load = PlanStep(action: .load)
    public static let loadCrash = PlanStep(action: .loadCrash)
    public static let sync = PlanStep(action: .sync)
    public static let exec = PlanStep(action: .exec)
    public static let panic = PlanStep(action: .panic)
    public static func isolate(_ unit: String) -> PlanStep { PlanStep(action: .isolate, unit: unit) }
    public static func unmount(_ mount: MountEntry) -> PlanStep {
        PlanStep(action: .unmount, path: mount.target, source: mount.source, fstype: mount.fstype)
    }
    public static func remountReadOnly(_ path: String) -> PlanStep { PlanStep(action: .remountReadOnly, path: path) }
    /// Clears grub-reboot's one-time `next_entry` in `grubenv`, as GRUB does when it boots that entry.
    public static func clearGrubNextEntry(_ grubenv: String) -> PlanStep { PlanStep(action: .clearGrubNextEntry, path: grubenv) }

    /// A short human description: `unmount /srv/data (/dev/vdb, ext4)`.
    public var summary: String {
        switch action {
        case .load: return "load the kernel (kexec_file_load)"
        case .loadCrash: return "load the capture kernel into the crashkernel area"
        case .clearGrubNextEntry: return "clear GRUB's one-time next_entry in \(path ?? "grubenv")"
        case .isolate: return "isolate \(unit ?? "rescue.target")"
        case .unmount:
            let detail = [source, fstype].compactMap { $0 }.joined(separator: ", ")
            return "unmount \(path ?? "?")" + (detail.isEmpty ? "" : " (\(detail))")
        case .remountReadOnly: return "remount \(path ?? "/") read-only"
        case .sync: return "sync file systems"
        case .exec: return "kexec into the new kernel (reboot LINUX_REBOOT_CMD_KEXEC)"
        case .panic: return "panic through /proc/sysrq-trigger (capture kernel takes over)"
        }
    }
}
