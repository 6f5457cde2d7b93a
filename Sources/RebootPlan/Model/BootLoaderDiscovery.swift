import KexecCore
import LinuxSystem
/// Everything found about the boot loader(s) of a system: the entries in menu order,
/// which one is the default, and why.
public struct BootLoaderDiscovery: Codable, Sendable, Equatable {
    /// Entries in the order the boot loader shows them (GRUB menu order, flattened depth-first;
    /// BLS in systemd's sort order; the symlink entry last).
    public var entries: [BootEntry]
    /// Index into `entries` of the entry the boot loader boots by default; nil when none can be chosen.
    public var defaultIndex: Int?
    /// One sentence saying which rule chose the default, e.g.
    /// `saved_entry "gnulinux-advanced-…>gnulinux-6.1.0-28-…" from /boot/grub/grub/grubenv`.
    public var defaultRule: String
    /// The configuration file the machine really boots with (grub.cfg, loader.conf, or /boot/vmlinuz).
    public var configFile: String?
    /// Which kind of configuration is in charge (GRUB wins over BLS-only, BLS over symlinks).
    public var kind: BootSourceKind?
    /// Problems met while reading (a garbage grub.cfg, an entry without `linux`, a default that points nowhere).
    /// Each is one line naming the file. Reading never throws: what could not be read is reported here.
    public var problems: [String]
    /// The grubenv whose `next_entry` (set by grub-reboot) chose the default: a one-time choice that GRUB
    /// clears as it boots it, and so does a reboot into the default entry. Nil otherwise.
    public var oneTimeEntryFile: String?
    /// systemd-boot's one-time entry (the EFI variable LoaderEntryOneShot, `bootctl set-oneshot`) when it is set:
    /// systemd-boot deletes it as it boots, and so does a reboot through kreboot. Nil otherwise.
    public var systemdBootOneShot: String?

    public init(entries: [BootEntry] = [], defaultIndex: Int? = nil, defaultRule: String = "",
                configFile: String? = nil, kind: BootSourceKind? = nil, problems: [String] = [],
                oneTimeEntryFile: String? = nil) {
        self.entries = entries
        self.defaultIndex = defaultIndex
        self.defaultRule = defaultRule
        self.configFile = configFile
        self.kind = kind
        self.problems = problems
        self.oneTimeEntryFile = oneTimeEntryFile
    }

    /// The default entry, when there is one.
    public var defaultEntry: BootEntry? { defaultIndex.map { entries[$0] } }
}
