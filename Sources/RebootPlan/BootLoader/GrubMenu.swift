import KexecCore
import LinuxSystem
/// GRUB's menu as grub.cfg defines it, after variable expansion, before paths are resolved.
struct GrubMenu: Sendable {
    /// One item of a menu level (not `indirect`: an entry is held in the array, not in a box of its own).
    enum Item: Sendable {
        case entry(GrubMenuEntry)
        case submenu(title: String, id: String?, items: [Item])
        /// Where Fedora's `blscfg` command inserts the BLS entries.
        case blscfg
    }

    /// The top-level items in menu order.
    var items: [Item] = []
    /// Every `set default=…` (or `default=…`) outside entries and outside `if` branches known not to be
    /// taken, in file order, unexpanded.
    var defaultAssignments: [GrubWord] = []
    /// Variables after evaluating the top-level `set`s (grubenv's values included).
    var variables: [String: String] = [:]
    /// Problems met in files that `source` read (their parse errors).
    var problems: [String] = []
    /// `configfile FILE`: GRUB reads FILE in a new context and shows its menu instead of this one (the entries
    /// defined so far are dropped). Set when the walk met one for a file that exists; the walk stops there.
    var handOver: HandOver? = nil
    /// The `search` commands whose file system could not be found (`--fs-uuid 3f7c…`), in order, once each.
    var unresolvedSearches: [String] = []

    /// Where `configfile` hands over: the file as written, its path on this system, and the variables the new
    /// context starts with (the exported ones: `root`, `prefix` and what `export` named).
    struct HandOver: Sendable, Equatable {
        var written: String
        var path: String
        var variables: [String: String]
    }
}

/// A `menuentry` with what it loads.
struct GrubMenuEntry: Sendable, Equatable {
    var title: String
    var id: String?
    /// `--class` values and other options, for display.
    var classes: [String] = []
    /// The `linux`/`linuxefi`/`linux16` command's fields (image first), nil when the entry loads no Linux kernel.
    var linux: [String]? = nil
    /// The last `initrd`/`initrdefi`/`initrd16` command's images.
    var initrds: [String] = []
    /// The command that loaded the kernel (`linux`, `linuxefi`, `linux16`).
    var linuxCommand: String? = nil
    /// The sourced file that defines the entry; nil for grub.cfg itself.
    var file: String? = nil
    /// GRUB's `root` when the kernel was loaded: the device paths without one are read from.
    var rootDevice: String? = nil
}
