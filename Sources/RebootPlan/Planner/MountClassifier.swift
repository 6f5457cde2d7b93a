import KexecCore
import LinuxSystem
/// Decides which mounts hold data that must be quiesced before a kexec, and in which order to unmount them.
///
/// Unmounted: read-write block-device file systems, network file systems, bind mounts and subvolumes of
/// them, overlays whose upper directory lives on one of them, and whatever is mounted below a mount that
/// is unmounted (it would keep its parent busy). Left alone: `/` (the planner remounts it read-only),
/// read-only mounts, virtual file systems, and what lies below /proc, /sys, /dev and /run unless it holds data.
public enum MountClassifier {
    /// What happens to one mount, and why, in words for the dry-run display.
    public struct Decision: Sendable, Equatable, Codable {
        /// Whether the mount is unmounted before the kexec.
        public var unmount: Bool
        /// One line saying why, e.g. `block device file system (ext4 on /dev/vdb)` or `virtual file system (proc)`.
        public var reason: String

        /// A decision and its reason.
        public init(unmount: Bool, reason: String) {
            self.unmount = unmount
            self.reason = reason
        }
    }

    /// File systems on a local block device that can be left dirty (LinuxSystem's `FileSystemKind.localDiskTypes`,
    /// the same list the executor's last gate uses).
    public static var blockFileSystems: Set<String> { FileSystemKind.localDiskTypes }

    /// File systems whose data lives on another machine (`FileSystemKind.networkTypes`).
    public static var networkFileSystems: Set<String> { FileSystemKind.networkTypes }

    /// Kernel and memory file systems (`FileSystemKind.virtualTypes`).
    public static var virtualFileSystems: Set<String> { FileSystemKind.virtualTypes }

    /// File system types that cannot be written (`FileSystemKind.readOnlyTypes`).
    public static var readOnlyFileSystems: Set<String> { FileSystemKind.readOnlyTypes }

    /// The kernel's API trees: mounts below them are left alone unless they hold data.
    public static let apiTrees = ["/proc", "/sys", "/dev", "/run"]

    /// Every mount with its decision, in table order.
    public static func classify(_ mounts: [MountEntry]) -> [(mount: MountEntry, decision: Decision)] {
        let decisions = decide(mounts)
        return mounts.indices.map { (mounts[$0], decisions[$0]) }
    }

    /// The mounts to unmount (see the type's description), excluding `/`, in a safe unmount order:
    /// children before parents, the top of stacked mounts first, an overlay before the file systems its
    /// directories live on.
    public static func mountsToUnmount(_ mounts: [MountEntry]) -> [MountEntry] {
        let tree = MountTree(mounts)
        let decisions = decide(mounts, tree: tree)
        let chosen = mounts.indices.filter { decisions[$0].unmount }
        return UnmountOrder.sort(chosen, in: tree).map { mounts[$0] }
    }

    // MARK: - Deciding

    /// The decision for each mount, by index.
    static func decide(_ mounts: [MountEntry]) -> [Decision] {
        decide(mounts, tree: MountTree(mounts))
    }

    /// The decision for each mount, by index, with the table's tree already built.
    static func decide(_ mounts: [MountEntry], tree: MountTree) -> [Decision] {
        var decisions = mounts.indices.map { decideAlone($0, mounts: mounts, tree: tree) }
        // Whatever is mounted below an unmounted mount must go first, or the parent stays busy. Only mounts with
        // an unmounted ancestor walk up (to the nearest one unmounted by now, usually the parent): O(n) for a deep chain.
        func unmounted(_ index: Int) -> Bool { decisions[index].unmount && mounts[index].target != "/" }
        let lineage = MountLineage(tree, marked: mounts.indices.map(unmounted))
        for index in mounts.indices where !decisions[index].unmount && mounts[index].target != "/" {
            guard let marked = lineage.nearestMarkedAncestor[index] else { continue }
            var above = tree.parent(of: index)
            var steps = 0
            while let current = above, !unmounted(current), steps < mounts.count {
                above = tree.parent(of: current)
                steps += 1
            }
            let nearest = above.map { unmounted($0) ? $0 : marked } ?? marked
            decisions[index] = Decision(unmount: true, reason: "mounted below \(mounts[nearest].target), which is unmounted")
        }
        return decisions
    }

    /// The decision for one mount on its own merits.
    static func decideAlone(_ index: Int, mounts: [MountEntry], tree: MountTree) -> Decision {
        let mount = mounts[index]
        if mount.target == "/" {
            return Decision(unmount: false, reason: "the root file system: remounted read-only, not unmounted")
        }
        if isReadOnly(mount) {
            return Decision(unmount: false, reason: "read-only (\(mount.fstype)): nothing to flush")
        }
        let storage = storage(of: index, mounts: mounts, tree: tree, depth: 0)
        if storage.holdsData { return Decision(unmount: true, reason: storage.description) }
        if let tree = apiTrees.first(where: { PathContainment.isPath(mount.target, atOrBelow: $0) }), !storage.isVirtual {
            return Decision(unmount: false, reason: "below \(tree), not a data file system (\(mount.fstype))")
        }
        return Decision(unmount: false, reason: storage.description)
    }

    /// Read-only at the VFS level, or its superblock is.
    static func isReadOnly(_ mount: MountEntry) -> Bool {
        mount.isReadOnly || mount.isSuperblockReadOnly
    }

    /// What a mount stores: whether it holds data, and in words.
    struct Storage {
        var holdsData: Bool
        var isVirtual: Bool = false
        var description: String
    }

    static func storage(of index: Int, mounts: [MountEntry], tree: MountTree, depth: Int) -> Storage {
        let mount = mounts[index]
        let type = mount.fstype
        switch mount.fileSystemKind {
        case .virtual:
            return Storage(holdsData: false, isVirtual: true, description: "virtual file system (\(type))")
        case .readOnly:
            return Storage(holdsData: false, description: "read-only file system type (\(type))")
        case .overlay:
            return overlayStorage(index, mounts: mounts, tree: tree, depth: depth)
        case .network:
            return Storage(holdsData: true, description: "network file system (\(type) from \(mount.source))")
        case .localDisk:
            if mount.fsRoot != "/" && !mount.fsRoot.isEmpty {
                return Storage(holdsData: true, description: "\(mount.fsRoot) of \(mount.source) (\(type)): a bind mount or subvolume")
            }
            if let first = tree.earlierMountOfSameDevice(index) {
                return Storage(holdsData: true, description: "\(mount.source) (\(type)) again, also mounted at \(mounts[first].target)")
            }
            return Storage(holdsData: true, description: "block device file system (\(type) on \(mount.source))")
        case .unknown:
            return Storage(holdsData: false, description: "not a known data file system (\(type))")
        }
    }

    /// An overlay holds data when its upper directory lives on a file system that does.
    static func overlayStorage(_ index: Int, mounts: [MountEntry], tree: MountTree, depth: Int) -> Storage {
        guard let upper = OverlayOptions(mounts[index].fsOptions).upperDirectory else {
            return Storage(holdsData: false, description: "overlay without an upper directory (read-only)")
        }
        guard depth < 8, let holder = tree.mountHolding(upper, excluding: index) else {
            return Storage(holdsData: false, description: "overlay whose upper directory \(upper) is on no known mount")
        }
        let below = storage(of: holder, mounts: mounts, tree: tree, depth: depth + 1)
        let place = "upper directory \(upper) on \(mounts[holder].target) (\(mounts[holder].fstype))"
        return Storage(holdsData: below.holdsData, description: below.holdsData ? "overlay, \(place)" : "overlay with its \(place)")
    }

    /// Whether `string`'s UTF-8 bytes begin with `prefix`'s (no Unicode equivalence, as the kernel compares paths).
    static func hasBytePrefix(_ string: String, _ prefix: String) -> Bool {
        let s = string.utf8, p = prefix.utf8
        guard p.count <= s.count else { return false }
        if let fast = s.withContiguousStorageIfAvailable({ sb in
            p.withContiguousStorageIfAvailable { pb in
                var i = 0
                while i < pb.count, sb[i] == pb[i] { i += 1 }
                return i == pb.count
            }
        }), let result = fast {
            return result
        }
        return s.starts(with: p)
    }

    /// A path and each directory above it, nearest first: `/a/b` → `/a/b`, `/a`, `/`.
    static func pathAndParents(_ path: String) -> [String] {
        var result = [path]
        var current = Substring(path)
        while current.count > 1 {
            guard let slash = current.lastIndex(of: "/") else { break }
            current = slash == current.startIndex ? "/" : current[..<slash]
            result.append(String(current))
        }
        if result.last != "/" && path.hasPrefix("/") { result.append("/") }
        return result
    }
}

/// The directories named in an overlay's options (`lowerdir=/a:/b,upperdir=/u,workdir=/w`).
struct OverlayOptions {
    var upperDirectory: String?
    var workDirectory: String?
    var lowerDirectories: [String] = []

    init(_ options: String) {
        for option in options.split(separator: ",") {
            if option.hasPrefix("upperdir=") { upperDirectory = String(option.dropFirst("upperdir=".count)) }
            if option.hasPrefix("workdir=") { workDirectory = String(option.dropFirst("workdir=".count)) }
            if option.hasPrefix("lowerdir=") {
                lowerDirectories = option.dropFirst("lowerdir=".count).split(separator: ":").map(String.init)
            }
        }
    }

    /// Every directory the overlay keeps open.
    var allDirectories: [String] {
        lowerDirectories + [upperDirectory, workDirectory].compactMap { $0 }
    }
}
