import SystemPackage

/// Reads the kexec-related kernel state under a root: /sys/kernel/kexec_*, kexec_load_disabled,
/// lockdown, the "Crash kernel" ranges of /proc/iomem, MemTotal and the running release.
/// Each field is nil when its file is absent or says nothing usable; a number that cannot be (past 2^64
/// bytes, a range ending before it starts, not a number) is also recorded in `KernelState.impossible`.
public enum KernelStateReader {
    /// Reads every field from its file under `root` except `symbols` (the snapshot reads /proc/kallsyms through
    /// `KernelSymbolsReader` only when a kexec_load capture needs it); `askKernel` answers whether
    /// kexec_file_load exists on the running system (`KexecFileLoadProbe`).
    public static func read(root: RootDirectory,
                            askKernel: KexecFileLoadProbe.Ask = KexecFileLoadProbe.askKernel) -> KernelState {
        var state = KernelState(
            kexecLoaded: root.readLine("/sys/kernel/kexec_loaded").flatMap(parseFlag),
            kexecCrashLoaded: root.readLine("/sys/kernel/kexec_crash_loaded").flatMap(parseFlag),
            kexecLoadDisabled: root.readLine("/proc/sys/kernel/kexec_load_disabled").flatMap(parseFlag),
            lockdown: root.readLine("/sys/kernel/security/lockdown").flatMap(parseLockdown),
            runningRelease: root.readLine("/proc/sys/kernel/osrelease")
        )
        if root.isDirectory("/sys/firmware") { state.efiBooted = root.isDirectory("/sys/firmware/efi") }
        state.secureBoot = root.readBytes(secureBootVariable, limit: 64).flatMap(parseSecureBoot)
        state.kexecFileLoad = KexecFileLoadProbe.read(root: root, release: state.runningRelease, ask: askKernel)
        if let text = root.readLine("/sys/kernel/kexec_crash_size") {
            switch parseCrashSize(text) {
            case .success(let size): state.kexecCrashSize = size
            case .failure(let error): state.impossible[.kexecCrashSize] = error.message
            }
        }
        if let iomem = root.readText("/proc/iomem") {
            state.crashRegions = parseCrashRegions(iomem)
            if case .failure(let error) = checkCrashRegions(state.crashRegions) { state.impossible[.crashRegions] = error.message }
        }
        if let meminfo = root.readText("/proc/meminfo") {
            switch meminfoBytes(meminfo, field: "MemTotal") {
            case .success(let bytes): state.memTotalBytes = bytes
            case .failure(let error): state.impossible[.memTotal] = error.message
            }
            if case .failure(let error) = meminfoBytes(meminfo, field: "MemAvailable") {
                state.impossible[.memAvailable] = error.message
            }
        }
        return state
    }

    /// efivarfs' SecureBoot variable (EFI global variable GUID): 4 attribute bytes, then one byte, 1 when enabled.
    public static let secureBootVariable = "/sys/firmware/efi/efivars/SecureBoot-8be4df61-93ca-11d2-aa0d-00e098032b8c"

    /// The SecureBoot variable's file contents → enabled or not; nil when it has no value byte.
    static func parseSecureBoot(_ bytes: [UInt8]) -> Bool? {
        bytes.count >= 5 ? bytes[4] != 0 : nil
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

    /// /sys/kernel/kexec_crash_size: a number of bytes, or an error naming the file.
    public static func parseCrashSize(_ text: String) -> Result<UInt64, SystemError> {
        guard let size = UInt64(text.trimmingWhitespace()) else {
            return .failure(FileArithmetic.impossible(file: "/sys/kernel/kexec_crash_size", field: "size",
                                                      "'\(text.prefix(40))' is not a number of bytes below 2^64"))
        }
        return .success(size)
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

    /// The ranges are possible: each ends after it starts, its size and the total fit in 64 bits.
    public static func checkCrashRegions(_ regions: [CrashRegion]) -> Result<UInt64, SystemError> {
        var total: UInt64 = 0
        for region in regions {
            let range = "\(String(region.start, radix: 16))-\(String(region.end, radix: 16))"
            do throws(SystemError) {
                guard region.end >= region.start else {
                    throw FileArithmetic.impossible(file: "/proc/iomem", field: "Crash kernel range",
                                                    "\(range) ends before it starts")
                }
                let size = try FileArithmetic.add(region.end - region.start, 1, file: "/proc/iomem",
                                                  field: "Crash kernel range \(range)")
                total = try FileArithmetic.add(total, size, file: "/proc/iomem", field: "Crash kernel total")
            } catch {
                return .failure(error)
            }
        }
        return .success(total)
    }

    /// MemTotal of /proc/meminfo in bytes (the file says kB, meaning KiB); nil when absent or impossible.
    public static func parseMemTotal(_ meminfo: String) -> UInt64? {
        (try? meminfoBytes(meminfo, field: "MemTotal").get()) ?? nil
    }

    /// A `FIELD: N kB` line of /proc/meminfo in bytes: nil when the field is absent, an error naming the file
    /// and the field when the value is not a number or is past 2^64 bytes.
    public static func meminfoBytes(_ meminfo: String, field: String) -> Result<UInt64?, SystemError> {
        for line in meminfo.split(separator: "\n") where line.hasPrefix(field + ":") {
            let fields = line.dropFirst(field.count + 1).split(separator: " ")
            let written = fields.prefix(2).joined(separator: " ")
            guard let value = fields.first.flatMap({ UInt64($0) }) else {
                return .failure(FileArithmetic.impossible(file: "/proc/meminfo", field: field,
                                                          "'\(written.prefix(40))' is not a number"))
            }
            let unit = fields.count > 1 ? fields[1].lowercased() : "kb"
            switch unit {
            case "kb":
                let (bytes, overflow) = value.multipliedReportingOverflow(by: 1024)
                return overflow
                    ? .failure(FileArithmetic.impossible(file: "/proc/meminfo", field: field, "\(written) is more than 2^64 bytes"))
                    : .success(bytes)
            case "b": return .success(value)
            default:
                return .failure(FileArithmetic.impossible(file: "/proc/meminfo", field: field, "unknown unit '\(fields[1].prefix(10))'"))
            }
        }
        return .success(nil)
    }
}
