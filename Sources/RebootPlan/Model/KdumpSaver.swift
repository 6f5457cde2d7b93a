import KexecCore
import LinuxSystem

/// A program that saves kernel dumps in a capture boot, where it saves them and how it names them:
/// kreboot's own saver (`kreboot save-dump`), Debian's kdump-tools, Red Hat's kdump-utils or SUSE's kdump.
public struct KdumpSaver: Codable, Sendable, Equatable {
    /// Which program.
    public enum Kind: String, Codable, Sendable, CaseIterable {
        case kreboot
        case kdumpTools = "kdump-tools"
        case kdumpUtils = "kdump-utils"
        case suseKdump = "suse-kdump"
    }

    public var kind: Kind
    /// The configuration file it reads (target path); nil for kreboot without one.
    public var configFile: String?
    /// Where its dumps go, as a local path; nil when the configuration names a remote target.
    public var saveDirectory: String?
    /// Whether its own tool is installed (kdump-config, kdumpctl, kdumptool); always true for kreboot.
    public var installed: Bool

    public init(kind: Kind, configFile: String?, saveDirectory: String?, installed: Bool) {
        self.kind = kind
        self.configFile = configFile
        self.saveDirectory = saveDirectory
        self.installed = installed
    }

    /// The tools whose presence says the service is installed, by kind.
    public static let tools: [Kind: [String]] = [
        .kdumpTools: ["/usr/sbin/kdump-config"],
        .kdumpUtils: ["/usr/bin/kdumpctl", "/usr/sbin/kdumpctl"],
        .suseKdump: ["/usr/sbin/kdumptool", "/usr/lib/kdump/load.sh"],
    ]

    /// The service whose configuration `file` is (`KdumpConfigReader`'s files).
    public static func kind(forConfigFile file: String) -> Kind? {
        switch file {
        case KdumpConfigReader.debianFile: return .kdumpTools
        case RedHatKdumpConfReader.file: return .kdumpUtils
        case KdumpConfigReader.suseFile: return .suseKdump
        default: return nil
        }
    }

    /// How one dump is laid out under the save directory, for people.
    public var layout: String {
        let dir = saveDirectory ?? "(remote)"
        switch kind {
        case .kreboot: return "\(dir)/<date-time>/vmcore + dmesg.txt"
        case .kdumpTools: return "\(dir)/<YYYYmmddHHMM>/dump.<YYYYmmddHHMM> + dmesg.<YYYYmmddHHMM>"
        case .kdumpUtils: return "\(dir)/<host>-<YYYY-mm-dd-HH:MM:SS>/vmcore + vmcore-dmesg.txt"
        case .suseKdump: return "\(dir)/<YYYY-mm-dd-HH:MM>/vmcore + dmesg.txt"
        }
    }

    /// Who saves the dump of a capture kernel booted with `commandLine`: kdump-tools' unit, kdump-utils'
    /// or SUSE's initramfs entries, kreboot's save-dump (as init= or its unit); nil when it names none of them.
    public static func kind(forCaptureCommandLine commandLine: String) -> Kind? {
        let words = KernelCommandLine(commandLine).parameters
        if words.contains(where: { $0.hasPrefix("systemd.unit=kdump-tools") }) { return .kdumpTools }
        if words.contains("save-dump") || words.contains("systemd.unit=\(CaptureCommandLine.saveDumpUnit)") { return .kreboot }
        return nil
    }
}
