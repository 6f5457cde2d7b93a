import KexecCore
import LinuxSystem
import RebootPlan

#if canImport(Glibc)
import Glibc
#endif

/// Reads the calibration inputs of a system under a root: RAM from /proc/iomem ("System RAM") or
/// /proc/meminfo, the reservation from /proc/iomem ("Crash kernel") and /sys/kernel/kexec_crash_size,
/// the capture kernel and initrd of the running release (KDUMP_KERNEL/KDUMP_INITRD, else kreboot's own
/// capture initrd while it is fresh, else the production one), the LUNs
/// from /sys/class/scsi_device unless given.
public enum CalibrationInputsReader {
    /// The inputs for this machine. `luns` overrides the SCSI device count; `arch` defaults to uname's.
    public static func read(root: RootDirectory, state: KernelState, config: KdumpConfig?, luns: Int?,
                            arch: String? = nil) -> CalibrationInputs {
        let iomem = root.readText("/proc/iomem").map(IomemSummary.init(text:)) ?? IomemSummary(text: "")
        let memTotal = state.memTotalBytes ?? meminfoTotal(root)
        let reserved = max(iomem.crashKernelBytes, state.crashRegions.reduce(0) { $0.saturatingAdd($1.size) },
                           state.kexecCrashSize ?? sysfsCrashSize(root) ?? 0)
        // MemTotal does not count the reservation nor what firmware keeps; iomem (root only) does.
        let ram = iomem.systemRAMBytes > 0 ? iomem.systemRAMBytes : (memTotal ?? 0).saturatingAdd(reserved)
        let release = state.runningRelease ?? root.readLine("/proc/sys/kernel/osrelease")
        let kernelPath = config?.kernel.flatMap { $0.hasPrefix("/") ? $0 : nil }
            ?? release.map { "/boot/vmlinuz-\($0)" }
        let ownInitrd = config?.kernel == nil ? release.flatMap { CaptureInitrdReader.read(root: root, release: $0) } : nil
        let initrdPath = config?.initrd.flatMap { $0.hasPrefix("/") ? $0 : nil }
            ?? (ownInitrd?.isFresh == true ? ownInitrd?.path : nil)
            ?? release.flatMap { rel in
                ["/boot/initrd.img-\(rel)", "/boot/initramfs-\(rel).img", "/boot/initrd-\(rel)"].first(where: root.exists)
            }
        return CalibrationInputs(
            ramBytes: ram, arch: arch ?? machine(), luns: luns ?? root.listDirectory("/sys/class/scsi_device").count,
            kernelBytes: kernelPath.flatMap { kernelMemoryBytes(root: root, path: $0) },
            initrdBytes: initrdPath.flatMap { fileSize(root: root, path: $0) },
            reservedBytes: reserved, pageSize: Int(sysconf(Int32(_SC_PAGESIZE))),
            networkDump: config.flatMap { try? DumpDelivery.read($0) }?.needsNetwork ?? false)
    }

    /// The first impossible number the recommendation would rest on ("FILE: impossible FIELD: WHY"): MemTotal,
    /// the crash reservation, the System RAM total of /proc/iomem; nil when all are possible.
    public static func impossible(root: RootDirectory, state: KernelState) -> String? {
        if let message = state.impossibleMessage([.memTotal, .kexecCrashSize, .crashRegions]) { return message }
        return root.readText("/proc/iomem").flatMap { IomemSummary(text: $0).problem }
    }

    /// The "System RAM" and "Crash kernel" totals of /proc/iomem (top-level ranges; zero when the
    /// addresses are hidden from non-root readers).
    struct IomemSummary {
        var systemRAMBytes: UInt64 = 0
        var crashKernelBytes: UInt64 = 0
        /// A total past 2^64 bytes (the totals then saturate), naming the file and the field.
        var problem: String?

        /// `total + size`, saturating; past 2^64 the message naming the file and `field`.
        private static func add(_ total: UInt64, _ size: UInt64, field: String) -> (UInt64, String?) {
            let (sum, overflow) = total.addingReportingOverflow(size)
            return overflow ? (.max, "/proc/iomem: impossible \(field): more than 2^64 bytes") : (sum, nil)
        }

        init(text: String) {
            for line in text.split(separator: "\n") {
                guard let colon = line.firstIndex(of: ":") else { continue }
                let range = line[..<colon].trimmingWhitespace()
                let name = line[line.index(after: colon)...].trimmingWhitespace()
                let bounds = range.split(separator: "-")
                guard bounds.count == 2, let start = UInt64(bounds[0], radix: 16), let end = UInt64(bounds[1], radix: 16),
                      end >= start, end > 0 else { continue }
                let size = (end - start).saturatingAdd(1)
                var overflow: String?
                if name == "System RAM" && !line.hasPrefix(" ") {
                    (systemRAMBytes, overflow) = Self.add(systemRAMBytes, size, field: "System RAM total")
                }
                if name == "Crash kernel" { (crashKernelBytes, overflow) = Self.add(crashKernelBytes, size, field: "Crash kernel total") }
                if problem == nil { problem = overflow }
            }
        }
    }

    /// The in-memory size of a kernel image: an x86 bzImage's setup header `init_size` (offset 0x260,
    /// boot protocol 2.10+), else the file's size.
    /// The file is opened once through the gateway; its size and header come from that descriptor.
    static func kernelMemoryBytes(root: RootDirectory, path: String) -> UInt64? {
        let file: ImageFile
        do { file = try ImageFile(root: root, path: path) } catch { return nil }
        let size = file.size
        if let head = try? file.read(at: 0, count: 0x264), head.count >= 0x264,
           Array(head[0x202..<0x206]).hasASCIIPrefix("HdrS"),
           let version = head.littleEndian(at: 0x206, as: UInt16.self), version >= 0x020a,
           let initSize = head.littleEndian(at: 0x260, as: UInt32.self), initSize > 0 {
            return max(UInt64(initSize), size)
        }
        return size
    }

    /// The size of a regular file under `root`, opened through the gateway (inside the root, non-blocking);
    /// nil when it is absent or not a regular file.
    static func fileSize(root: RootDirectory, path: String) -> UInt64? {
        do { return try ImageFile(root: root, path: path).size } catch { return nil }
    }

    static func meminfoTotal(_ root: RootDirectory) -> UInt64? {
        guard let text = root.readText("/proc/meminfo") else { return nil }
        for line in text.split(separator: "\n") where line.hasPrefix("MemTotal:") {
            let fields = line.split(separator: " ")
            if fields.count >= 2, let kib = UInt64(fields[1]) { return kib.checkedMultiply(1024) }
        }
        return nil
    }

    static func sysfsCrashSize(_ root: RootDirectory) -> UInt64? {
        root.readLine("/sys/kernel/kexec_crash_size").flatMap { UInt64($0) }
    }

    /// uname(2)'s machine.
    static func machine() -> String {
        var name = utsname()
        guard uname(&name) == 0 else { return "unknown" }
        return withUnsafeBytes(of: name.machine) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
    }
}
