import KexecCore
import LinuxSystem
/// GRUB's menu with BLS entries inserted and paths resolved: what `set default=` is matched against.
enum GrubMenuNode: Sendable {
    /// A menu entry; `entry` is its position in the reader's list of boot entries, nil when it loads no Linux
    /// kernel (firmware setup, chainloader, …).
    case entry(title: String, id: String?, entry: Int?)
    case submenu(title: String, id: String?, children: [GrubMenuNode])

    var title: String {
        switch self {
        case .entry(let title, _, _), .submenu(let title, _, _): return title
        }
    }

    var id: String? {
        switch self {
        case .entry(_, let id, _), .submenu(_, let id, _): return id
        }
    }
}
