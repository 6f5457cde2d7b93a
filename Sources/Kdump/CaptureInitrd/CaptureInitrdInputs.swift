import LinuxSystem
import RebootPlan

/// What decides whether and how kreboot builds its capture initrd, read from the system under a root:
/// initramfs-tools' mkinitramfs, its configuration (/etc/initramfs-tools: initramfs.conf, conf.d, modules,
/// hooks, scripts) and the multipath device handlers loaded now (/proc/modules `scsi_dh_*`, which a capture
/// kernel on multipath needs, as kdump-tools adds them).
public struct CaptureInitrdInputs: Sendable, Equatable {
    /// initramfs-tools' configuration directory.
    public static let configDirectory = "/etc/initramfs-tools"

    /// mkinitramfs (target path), nil when initramfs-tools is not installed.
    public var mkinitramfs: String?
    /// initramfs.conf's text, nil when missing.
    public var initramfsConf: String?
    /// conf.d's files mkinitramfs sources, in its order (name, text).
    public var confD: [(name: String, text: String)]
    /// The other entries of /etc/initramfs-tools (modules, hooks, scripts, update-initramfs.conf …).
    public var otherEntries: [String]
    /// /etc/initramfs-tools/modules' text, nil when missing.
    public var modulesFile: String?
    /// The scsi_dh_* modules loaded now.
    public var deviceHandlers: [String]

    public init(mkinitramfs: String?, initramfsConf: String?, confD: [(name: String, text: String)] = [],
                otherEntries: [String] = [], modulesFile: String? = nil, deviceHandlers: [String] = []) {
        self.mkinitramfs = mkinitramfs
        self.initramfsConf = initramfsConf
        self.confD = confD
        self.otherEntries = otherEntries
        self.modulesFile = modulesFile
        self.deviceHandlers = deviceHandlers
    }

    public static func == (lhs: CaptureInitrdInputs, rhs: CaptureInitrdInputs) -> Bool {
        lhs.mkinitramfs == rhs.mkinitramfs && lhs.initramfsConf == rhs.initramfsConf
            && lhs.confD.elementsEqual(rhs.confD) { $0.name == $1.name && $0.text == $1.text }
            && lhs.otherEntries == rhs.otherEntries && lhs.modulesFile == rhs.modulesFile
            && lhs.deviceHandlers == rhs.deviceHandlers
    }

    /// Whether mkinitramfs sources a conf.d file of this name (as initramfs-tools and kdump-tools filter:
    /// a letter or digit, then letters, digits, `.`, `_`, `-`; no dpkg leftovers).
    public static func sourcesConfFile(_ name: String) -> Bool {
        guard let first = name.unicodeScalars.first, first.isASCIIAlphanumeric,
              name.unicodeScalars.allSatisfy({ $0.isASCIIAlphanumeric || $0 == "." || $0 == "_" || $0 == "-" })
        else { return false }
        return !name.contains(".dpkg-")
    }

    /// The inputs of the system under `root`.
    public static func read(root: RootDirectory) -> CaptureInitrdInputs {
        let dir = configDirectory
        let mkinitramfs = ["/usr/sbin/mkinitramfs", "/sbin/mkinitramfs"].first(where: root.exists)
        let confD = root.listDirectory("\(dir)/conf.d").sorted().filter(sourcesConfFile).compactMap { name in
            root.readText("\(dir)/conf.d/\(name)").map { (name: name, text: $0) }
        }
        let others = root.listDirectory(dir).sorted().filter { $0 != "initramfs.conf" && $0 != "conf.d" }
        let handlers = (root.readText("/proc/modules") ?? "").split(separator: "\n").compactMap { line in
            line.split(separator: " ").first.map(String.init).flatMap { $0.hasPrefix("scsi_dh_") ? $0 : nil }
        }
        return CaptureInitrdInputs(mkinitramfs: mkinitramfs, initramfsConf: root.readText("\(dir)/initramfs.conf"),
                                   confD: confD, otherEntries: others, modulesFile: root.readText("\(dir)/modules"),
                                   deviceHandlers: handlers)
    }
}

extension Unicode.Scalar {
    var isASCIIAlphanumeric: Bool {
        ("a"..."z").contains(self) || ("A"..."Z").contains(self) || ("0"..."9").contains(self)
    }
}
