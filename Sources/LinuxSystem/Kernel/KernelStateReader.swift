/// Reads the kexec-related kernel state under a root: /sys/kernel/kexec_*, kexec_load_disabled,
/// lockdown, the "Crash kernel" ranges of /proc/iomem, MemTotal and the running release.
/// Each field is nil when its file is absent or says nothing usable.
public enum KernelStateReader {
    /// Reads every field from its file under `root`.
    public static func read(root: RootDirectory) -> KernelState {
        KernelState(
            kexecLoaded: root.readLine("/sys/kernel/kexec_loaded").flatMap(parseFlag),
            kexecCrashLoaded: root.readLine("/sys/kernel/kexec_crash_loaded").flatMap(parseFlag),
            kexecCrashSize: root.readLine("/sys/kernel/kexec_crash_size").flatMap { UInt64($0) },
            kexecLoadDisabled: root.readLine("/proc/sys/kernel/kexec_load_disabled").flatMap(parseFlag),
            lockdown: root.readLine("/sys/kernel/security/lockdown").flatMap(parseLockdown),
            crashRegions: root.readText("/proc/iomem").map(parseCrashRegions) ?? [],
            memTotalBytes: root.readText("/proc/meminfo").flatMap(parseMemTotal),
            runningRelease: root.readLine("/proc/sys/kernel/osrelease")
        )
    }

    /// `0` → false, `1` (or any other positive number) → true; nil for anything else.
    static func parseFlag(_ text: String) -> Bool? {
        guard let value = Int(text), value >= 0 else { return nil }
        return value != 0
    }

    /// The bracketed word of `none [integrity] confidentiality`; nil when none is bracketed or it is unknown.
    public static func parseLockdown(_ text: String) -> LockdownMode? {
        guard let open = text.firstIndex(of: "["),
              let close = text[open...].firstIndex(of: "]") else { return nil }
        return LockdownMode(rawValue: String(text[text.index(after: open)..<close]))
    }

    /// The "Crash kernel" ranges of /proc/iomem, at any nesting depth. Empty when there are none, or when
    /// the kernel hid the addresses (they all read zero for readers without CAP_SYS_ADMIN).
    public static func parseCrashRegions(_ iomem: String) -> [CrashRegion] {
        var regions: [CrashRegion] = []
        for line in iomem.split(separator: "\n") {
            guard let separator = line.firstRange(of: " : ") else { continue }
            guard line[separator.upperBound...].trimmingWhitespace() == "Crash kernel" else { continue }
            let bounds = line[..<separator.lowerBound].trimmingWhitespace().split(separator: "-")
            guard bounds.count == 2, let start = UInt64(bounds[0], radix: 16), let end = UInt64(bounds[1], radix: 16) else {
                continue
            }
            if start == 0 && end == 0 { return [] }
            regions.append(CrashRegion(start: start, end: end))
        }
        return regions
    }

    /// MemTotal of /proc/meminfo in bytes (the file says kB, meaning KiB).
    public static func parseMemTotal(_ meminfo: String) -> UInt64? {
        for line in meminfo.split(separator: "\n") where line.hasPrefix("MemTotal:") {
            let fields = line.dropFirst("MemTotal:".count).split(separator: " ")
            guard let value = fields.first.flatMap({ UInt64($0) }) else { return nil }
            let unit = fields.count > 1 ? fields[1].lowercased() : "kb"
            switch unit {
            case "kb": return value.checkedMultiply(1024)  // nil (not known) when impossible
            case "b": return value
            default: return nil
            }
        }
        return nil
    }
}
