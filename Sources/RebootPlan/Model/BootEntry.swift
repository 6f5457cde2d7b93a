import KexecCore
import LinuxSystem
/// Where a boot entry (or the chosen target) came from.
public enum BootSourceKind: String, Codable, Sendable, CaseIterable {
    /// A `menuentry` in a GRUB2 grub.cfg.
    case grub
    /// A Boot Loader Spec Type #1 entry (`loader/entries/*.conf`).
    case bls
    /// A Boot Loader Spec Type #2 entry: a unified kernel image in `EFI/Linux/*.efi` (its own `.cmdline`).
    case uki
    /// The /boot/vmlinuz and /boot/initrd(.img) symlinks (Debian, SUSE).
    case symlink
    /// `--kernel` / `--initrd` given on the command line.
    case explicit
    /// The kernel named by the kdump configuration (KDUMP_KERNEL / KDUMP_INITRD overrides).
    case kdumpConfig = "kdump-config"
}

/// One bootable entry as the boot loader sees it, with paths as the target system sees them
/// (absolute, without any `--root` prefix, and already resolved against a separate /boot).
public struct BootEntry: Codable, Sendable, Equatable {
    /// A stable identifier: GRUB's `--id` (or its title when it has none), the BLS file name
    /// without `.conf`, or `vmlinuz` for the symlinks.
    public var id: String
    /// The human title (GRUB menuentry title, BLS `title`).
    public var title: String
    /// The kernel image path, e.g. `/boot/vmlinuz-6.1.0-28-amd64`.
    public var kernel: String
    /// Initrd paths in the order the boot loader loads them (concatenated by the kernel).
    public var initrds: [String]
    /// The kernel command line, variables already expanded; nil when the entry has none.
    public var options: String?
    /// Which boot loader configuration defined it.
    public var source: BootSourceKind
    /// The configuration file that defined it (target path).
    public var file: String
    /// GRUB's menu path of titles for nested submenus, e.g. ["Advanced options for Debian", "Debian, with Linux 6.1.0-28-amd64"].
    public var menuPath: [String]
    /// The position in GRUB's menu as `set default=` counts it ("1>2" for the third entry of the second item), or the index in sorted BLS order.
    public var index: String
    /// BLS `version`, when present.
    public var version: String?
    /// BLS `sort-key`, when present.
    public var sortKey: String?
    /// BLS `machine-id`, when present.
    public var machineID: String?
    /// Every other key the entry had (BLS `devicetree`, `architecture`, GRUB `--class` …), kept for display.
    public var extra: [String: String]

    public init(id: String, title: String, kernel: String, initrds: [String] = [], options: String? = nil,
                source: BootSourceKind, file: String, menuPath: [String] = [], index: String = "",
                version: String? = nil, sortKey: String? = nil, machineID: String? = nil,
                extra: [String: String] = [:]) {
        self.id = id
        self.title = title
        self.kernel = kernel
        self.initrds = initrds
        self.options = options
        self.source = source
        self.file = file
        self.menuPath = menuPath.isEmpty ? [title] : menuPath
        self.index = index
        self.version = version
        self.sortKey = sortKey
        self.machineID = machineID
        self.extra = extra
    }
}
