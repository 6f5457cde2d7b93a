import KexecCore
import LinuxSystem
/// A Boot Loader Specification Type #1 entry file as written (`loader/entries/*.conf`), paths unresolved.
struct BLSEntry: Sendable, Equatable {
    /// The file name, e.g. `fedora-6.6.8+2-1.conf`.
    var fileName: String
    /// The target path of the file.
    var file: String
    /// The file name without `.conf` and without the boot counter (`+LEFT[-DONE]`).
    var id: String
    /// Boot counting: tries left and done, when the file name has a counter.
    var triesLeft: Int?
    var triesDone: Int?
    var title: String?
    var version: String?
    var machineID: String?
    var sortKey: String?
    var linux: String?
    var efi: String?
    var initrds: [String] = []
    /// `options` lines joined by a space.
    var options: String?
    /// Every other key (devicetree, architecture, grub_users …); repeated keys joined by a space.
    var extra: [String: String] = [:]

    /// The id with `.conf`, as newer systemd names entries; `default` patterns may match either form.
    var idWithSuffix: String { id + ".conf" }
}
