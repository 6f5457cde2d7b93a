import KexecCore
import LinuxSystem

/// The capture kernel's command line, the one rule for every capture kernel kreboot loads (`kreboot kdump
/// start`, `kreboot --test-kdump`, `kreboot load --crash`), built the way kdump-tools' kdump-config and
/// kdump-utils' kdumpctl build theirs. Pure: every input is a value.
///
/// 0. `--command-line` (the user's) replaces all of it: taken as written, plus `--append`.
/// 1. The base is KDUMP_COMMANDLINE when set (it replaces), else the running command line without what the
///    capture kernel must not inherit (`alwaysRemoved`) and what only slows it or hides its messages
///    (`runningRemoved`, as kdump-tools and kdump-utils remove them). Words after `--` (init's) are dropped.
/// 2. KDUMP_COMMANDLINE_REMOVE removes parameters by key (`quiet`, `cma` …) from the base.
/// 3. The distribution defaults `irqpoll nr_cpus=1 reset_devices` are added, each unless the base or
///    KDUMP_COMMANDLINE_APPEND already sets that key; then the user's `--append`, then KDUMP_COMMANDLINE_APPEND
///    (last, since kdump-tools' `init=… -- …` style appends end with init's words).
/// 4. Last, kreboot's capture entry, unless the configuration names its own (`init=` or `systemd.unit=`):
///    with an initrd `systemd.unit=kreboot-save-dump.service` (the initramfs mounts the root the normal
///    way); without one `init=KREBOOT -- save-dump [--mount DEVICE]` (the kernel mounts the root, and
///    kreboot mounts the save directory's own file system when it has one). It goes last because the
///    kernel hands everything after `--` to init. A capture boot that needs the network (`needsNetwork`: a
///    remote target or a mail, `DumpDelivery.needsNetwork`) gets the unit even without an initrd: the kernel
///    mounts the root and its systemd runs the unit, which brings up the network with systemd-networkd
///    (`kreboot save-dump` as init= alone has no network stack to drive).
public struct CaptureCommandLine: Sendable, Equatable {
    /// Never inherited: the reservation, the boot loader's words, the old init's and memory layout settings.
    public static let alwaysRemoved: Set<String> = [
        "crashkernel", "BOOT_IMAGE", "initrd", "kexec_jump_back_entry", "nr_cpus", "maxcpus",
        "init", "systemd.unit", "rd.systemd.unit", "elfcorehdr",
    ]
    /// Removed from the running command line only (kdump-tools: hugepages, hugepagesz, abm; kdump-utils'
    /// KDUMP_COMMANDLINE_REMOVE default: slub_debug, quiet, log_buf_len, swiotlb, cma, hugetlb_cma …).
    public static let runningRemoved: Set<String> = [
        "hugepages", "hugepagesz", "default_hugepagesz", "abm", "slub_debug", "quiet", "splash", "rhgb",
        "log_buf_len", "swiotlb", "cma", "hugetlb_cma", "ignition.firstboot",
    ]
    /// What every distribution's kdump adds: one CPU, interrupts polled, devices reset.
    public static let defaults = ["irqpoll", "nr_cpus=1", "reset_devices"]
    /// The unit the capture boot runs when it has an initramfs (dist/kreboot-save-dump.service).
    public static let saveDumpUnit = "kreboot-save-dump.service"

    /// The command line.
    public var text: String
    /// How kreboot saves the dump in the capture boot: `init`, `unit`, or `configured` (the configuration's
    /// own init= or systemd.unit=, e.g. kdump-tools' unit).
    public var entry: Entry
    /// One line saying where the parts came from.
    public var explanation: String

    /// How the capture boot saves the dump.
    public enum Entry: String, Codable, Sendable, Equatable {
        case initProcess = "init"
        case unit
        case configured
    }

    /// Whether `parameters` name the capture boot's own entry (`init=`, `systemd.unit=`).
    static func namesEntry(_ parameters: [String]) -> Bool {
        parameters.contains { ["init", "systemd.unit"].contains(KernelCommandLine.key(of: $0)) }
    }

    /// Builds the capture command line.
    /// - Parameters:
    ///   - running: /proc/cmdline of the running kernel.
    ///   - config: the kdump configuration (nil: the defaults).
    ///   - hasInitrd: whether the capture kernel is loaded with an initrd.
    ///   - kreboot: the kreboot binary the capture boot runs as init (the one that loads it).
    ///   - saveDevice: the device to mount on the save directory when it is not on the root file system.
    ///   - override: the user's `--command-line`: the whole line, as written.
    ///   - append: the user's `--append`.
    ///   - needsNetwork: whether the capture boot must bring up the network (then systemd runs the save unit).
    public init(running: String, config: KdumpConfig?, hasInitrd: Bool, kreboot: String = "/usr/sbin/kreboot",
                saveDevice: String? = nil, override: String? = nil, append userAppend: String? = nil,
                needsNetwork: Bool = false) {
        var why: [String] = []
        if let override {
            text = KernelCommandLine(override).appending(userAppend).description
            entry = .configured
            explanation = "from --command-line" + (userAppend == nil ? "" : " plus --append")
            return
        }
        var base: KernelCommandLine
        if let replacement = config?.commandLine, !replacement.isEmpty {
            base = Self.withoutInitWords(KernelCommandLine(replacement)).removing(keys: Self.alwaysRemoved)
            why.append("KDUMP_COMMANDLINE")
        } else {
            base = Self.withoutInitWords(KernelCommandLine(running))
                .removing(keys: Self.alwaysRemoved.union(Self.runningRemoved))
            why.append("the running command line without crashkernel= and the like")
        }
        if let remove = config?.commandLineRemove, !remove.isEmpty {
            base = base.removing(keys: Set(KernelCommandLine(remove).parameters.map(KernelCommandLine.key(of:))))
            why.append("minus KDUMP_COMMANDLINE_REMOVE")
        }
        let user = KernelCommandLine(userAppend ?? "")
        let append = KernelCommandLine(config?.commandLineAppend ?? "")
        let present = Set((base.parameters + user.parameters + append.parameters).map(KernelCommandLine.key(of:)))
        let added = Self.defaults.filter { !present.contains(KernelCommandLine.key(of: $0)) }
        var line = KernelCommandLine(parameters: base.parameters + added + user.parameters + append.parameters)
        if !added.isEmpty { why.append("plus \(added.joined(separator: " "))") }
        if !user.parameters.isEmpty { why.append("plus --append") }
        if !append.parameters.isEmpty { why.append("plus KDUMP_COMMANDLINE_APPEND") }

        if Self.namesEntry(append.parameters + user.parameters) {
            entry = .configured
            why.append("the configuration's own init=/systemd.unit= saves the dump")
        } else if hasInitrd || needsNetwork {
            entry = .unit
            line = line.appending("systemd.unit=\(Self.saveDumpUnit)")
            why.append("systemd.unit=\(Self.saveDumpUnit) (\(hasInitrd ? "initramfs" : "no initramfs: the root's systemd brings up the network"))")
        } else {
            entry = .initProcess
            var words = ["init=\(kreboot)", "--", "save-dump"]
            if let saveDevice { words += ["--mount", saveDevice] }
            line = KernelCommandLine(parameters: line.parameters + words)
            why.append("init=\(kreboot) save-dump (no initramfs)")
        }
        text = line.description
        explanation = why.joined(separator: ", ")
    }

    /// The parameters before a bare `--` (the words after it are the running init's arguments).
    static func withoutInitWords(_ line: KernelCommandLine) -> KernelCommandLine {
        guard let dashes = line.parameters.firstIndex(of: "--") else { return line }
        return KernelCommandLine(parameters: Array(line.parameters[..<dashes]))
    }
}
