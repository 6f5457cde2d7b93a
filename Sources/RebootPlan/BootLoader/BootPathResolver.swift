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
        resolve(path: BootPathResolver.dropDevice(written), holding: mountHolding(directory), partitionGuess: partitionGuess,
                preferPrefixed: preferPrefixed)
    }

    /// `resolve` of `path` (its device dropped, normalized) for a loader whose directory is on `holding`.
    private func resolve(path: String, holding: MountEntry?, partitionGuess: String, preferPrefixed: Bool) -> String {
        var path = path
        if let mount = holding {
            if mount.fsRoot != "/" && (PathContainment.isPath(path, atOrBelow: mount.fsRoot)) {
                path = String(path.dropFirst(mount.fsRoot.count))
            } else if mount.fsRoot == "/" && path.hasPrefix("/@/") && !root.exists(joined(mount.target, path)) {
                path = String(path.dropFirst(2))
            }
            let onMount = joined(mount.target, path)
            // A BLS entry's partition that the mount table does not show mounted on its own (an ESP at /boot/efi
            // missing from the table): the file where the entry's directory says it is, when it is there.
            if preferPrefixed && !root.exists(onMount) {
                let prefixed = joined(partitionGuess, path)
                if root.exists(prefixed) { return prefixed }
            }
            return onMount
        }
        if path.hasPrefix("/@/") && !root.exists(path) { path = String(path.dropFirst(2)) }
        let prefixed = joined(partitionGuess, path)
        let ordered = preferPrefixed ? [prefixed, path] : [path, prefixed]
        return ordered.first(where: { root.exists($0) }) ?? ordered[0]
    }

    /// The path of `written` as GRUB reads it: from the device written before it (`($root)/vmlinuz`) or else
    /// the device in GRUB's `root` (`rootDevice`). A device a `search` found is a mount point (`mount:/boot`,
    /// see `GrubDeviceFinder`): the path is on that file system. For a device that is not known, a grub.cfg on the
    /// EFI system partition (RHEL's /boot/efi/EFI/centos/grub.cfg) reads its kernels from the /boot or / that
    /// holds the file (`guessed` is then true); a grub.cfg elsewhere from the file system holding it.
    func resolveGrub(_ written: String, rootDevice: String?, directory: String) -> (path: String, guessed: Bool) {
        resolveGrub(written, in: grubPlace(rootDevice: rootDevice, directory: directory))
    }

    /// Where GRUB reads a path that names no device of its own, for one `root` device and grub.cfg directory:
    /// found once and used for every path read there (10_linux's 100,000 entries share one).
    struct GrubPlace {
        let rootDevice: String?
        let directory: String
        /// The mount point the `root` device stands for (`mount:/boot`), nil for a device GRUB names itself.
        let deviceMountPoint: String?
        /// The mount holding `directory`.
        let holding: MountEntry?
        /// Whether `directory` is on an EFI system partition.
        let onEFISystemPartition: Bool
    }

    /// The place GRUB reads paths without a device from, with `rootDevice` as its `root` (see `resolveGrub`).
    func grubPlace(rootDevice: String?, directory: String) -> GrubPlace {
        let holding = mountHolding(directory)
        return GrubPlace(rootDevice: rootDevice, directory: directory,
                         deviceMountPoint: rootDevice.flatMap(GrubDeviceFinder.mountPoint(ofDevice:)),
                         holding: holding, onEFISystemPartition: isOnEFISystemPartition(directory, holding: holding))
    }

    /// `resolveGrub` in a place found before: a path written with a device of its own (`($root)/vmlinuz`) is read
    /// from that device instead.
    func resolveGrub(_ written: String, in place: GrubPlace) -> (path: String, guessed: Bool) {
        let (device, path) = Self.splitDevice(written)
        let place = device.map { grubPlace(rootDevice: $0, directory: place.directory) } ?? place
        if let mountPoint = place.deviceMountPoint {
            return (onMount(mountPoint, path), false)
        }
        if place.onEFISystemPartition {
            let candidates = [joined("/boot", path), path]
            return (candidates.first(where: { root.exists($0) }) ?? candidates[0], true)
        }
        return (resolve(path: path, holding: place.holding, partitionGuess: "/boot", preferPrefixed: false), false)
    }

    /// Whether `directory` lies on an EFI system partition: a vfat mount, or below /boot/efi or /efi.
    func isOnEFISystemPartition(_ directory: String) -> Bool {
        isOnEFISystemPartition(directory, holding: mountHolding(directory))
    }

    /// `isOnEFISystemPartition` for a directory on `holding` (its `mountHolding`).
    private func isOnEFISystemPartition(_ directory: String, holding: MountEntry?) -> Bool {
        if let mount = holding, mount.target != "/" { return mount.fstype == "vfat" || mount.target == "/boot/efi" || mount.target == "/efi" }
        return directory.hasPrefix("/boot/efi/") || directory == "/boot/efi" || directory.hasPrefix("/efi/") || directory == "/efi"
    }

    /// `path` on the file system mounted at `mountPoint` as the system sees it (a btrfs subvolume's prefix dropped).
    private func onMount(_ mountPoint: String, _ path: String) -> String {
        var path = path
        if let mount = mounts.last(where: { $0.target == mountPoint }), mount.fsRoot != "/",
           PathContainment.isPath(path, atOrBelow: mount.fsRoot) {
            path = String(path.dropFirst(mount.fsRoot.count))
        } else if path.hasPrefix("/@/") && !root.exists(joined(mountPoint, path)) {
            path = String(path.dropFirst(2))
        }
        return joined(mountPoint, path)
    }

    /// `(hd0,gpt2)/boot/vmlinuz` → (`hd0,gpt2`, `/boot/vmlinuz`); `/vmlinuz` → (nil, `/vmlinuz`). An empty
    /// device (`()/x`, from an unset `$root`) is no device.
    static func splitDevice(_ written: String) -> (device: String?, path: String) {
        guard written.hasPrefix("("), let close = written.firstIndex(of: ")") else {
            return (nil, absolute(written[...]))
        }
        let device = String(written[written.index(after: written.startIndex)..<close])
        return (device.isEmpty ? nil : device, absolute(written[written.index(after: close)...]))
    }

    /// `path` made absolute and normalized; one already so (`/vmlinuz-6.1.0`, the common case) is kept as it is.
    private static func absolute(_ path: Substring) -> String {
        RootDirectory.normalize(path.hasPrefix("/") ? String(path) : "/" + path)
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
    /// (Asked once or twice per kernel and initrd path: it compares bytes and copies only the mount it returns.)
    private func mountHolding(_ directory: String) -> MountEntry? {
        mounts.deepestMount(holding: directory)
    }

    private func joined(_ mountPoint: String, _ path: String) -> String {
        mountPoint == "/" ? RootDirectory.normalize(path)
            : RootDirectory.normalize(path.hasPrefix("/") ? mountPoint + path : mountPoint + "/" + path)
    }
}
