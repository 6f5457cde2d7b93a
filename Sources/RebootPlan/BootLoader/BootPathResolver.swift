import KexecCore
import LinuxSystem
/// Turns a path as a boot loader writes it into a path as the running system sees it.
/// A boot loader reads files relative to the file system holding its configuration: with a separate
/// /boot partition GRUB's `/vmlinuz-6.1.0` is `/boot/vmlinuz-6.1.0`, and a BLS entry in /efi/loader/entries
/// means `/efi` + its path. GRUB device prefixes (`($root)`, `(hd0,gpt2)`) are dropped, and a btrfs
/// subvolume prefix (`/@/boot/…` when / is the subvolume `/@`) is removed.
struct BootPathResolver: Sendable {
    let root: RootDirectory
    let mounts: [MountEntry]

    /// The path of `written` for a loader whose configuration lives in `directory` (e.g. /boot/grub or
    /// /boot/loader/entries). `partitionGuess` is the mount point to assume when the mount table is empty
    /// (fixture trees): then whichever of `partitionGuess + written` and `written` exists is used,
    /// preferring the prefixed one when `preferPrefixed` (BLS) and the written one otherwise (GRUB).
    func resolve(_ written: String, directory: String, partitionGuess: String, preferPrefixed: Bool) -> String {
        var path = BootPathResolver.dropDevice(written)
        if let mount = mountHolding(directory) {
            if mount.fsRoot != "/" && (path == mount.fsRoot || path.hasPrefix(mount.fsRoot + "/")) {
                path = String(path.dropFirst(mount.fsRoot.count))
            } else if mount.fsRoot == "/" && path.hasPrefix("/@/") && !root.exists(joined(mount.target, path)) {
                path = String(path.dropFirst(2))
            }
            return joined(mount.target, path)
        }
        if path.hasPrefix("/@/") && !root.exists(path) { path = String(path.dropFirst(2)) }
        let prefixed = joined(partitionGuess, path)
        let ordered = preferPrefixed ? [prefixed, path] : [path, prefixed]
        return ordered.first(where: { root.exists($0) }) ?? ordered[0]
    }

    /// The path of `directory` as the boot loader sees it on its file system: `/grub` for /boot/grub when
    /// /boot is a separate mount, unchanged otherwise (and with no mount table).
    func loaderPath(of directory: String) -> String {
        guard let mount = mountHolding(directory), mount.target != "/" else { return directory }
        return directory == mount.target ? "/" : String(directory.dropFirst(mount.target.count))
    }

    /// `(hd0,gpt2)/boot/vmlinuz` → `/boot/vmlinuz`; `vmlinuz` → `/vmlinuz`.
    static func dropDevice(_ written: String) -> String {
        var path = Substring(written)
        if path.hasPrefix("("), let close = path.firstIndex(of: ")") {
            path = path[path.index(after: close)...]
        }
        return RootDirectory.normalize(path.hasPrefix("/") ? String(path) : "/" + path)
    }

    /// Whether `target` is a mount point of its own in the mount table.
    func isSeparateMount(_ target: String) -> Bool {
        mounts.contains { $0.target == target }
    }

    /// The mount whose file system holds `directory` (longest matching mount point); nil with no mount table.
    private func mountHolding(_ directory: String) -> MountEntry? {
        var best: MountEntry? = nil
        for mount in mounts {
            let t = mount.target
            let covers = t == "/" || directory == t || directory.hasPrefix(t + "/")
            if covers && t.count >= (best?.target.count ?? -1) { best = mount }
        }
        return best
    }

    private func joined(_ mountPoint: String, _ path: String) -> String {
        mountPoint == "/" ? RootDirectory.normalize(path)
            : RootDirectory.normalize(path.hasPrefix("/") ? mountPoint + path : mountPoint + "/" + path)
    }
}
