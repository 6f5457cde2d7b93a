import LinuxSystem

/// Splits the unmount order in two. Before the isolate (which stops networking): every network mount and what
/// must go before it — mounts on top of it (at or below its mount point, earlier in the order) and overlays with
/// a directory on it. After the isolate: the rest. Each part keeps the order it had, and nothing in the second
/// part has to go before anything in the first, so children still go before parents. Pure.
struct NetworkUnmountGroup {
    /// A mount to unmount before the isolate, and the network mount it depends on (itself, for a network mount).
    struct Member {
        var mount: MountEntry
        var network: MountEntry
    }

    var beforeIsolate: [Member] = []
    var afterIsolate: [MountEntry] = []

    /// `ordered` is a safe unmount order (MountClassifier.mountsToUnmount); `isNetwork` says which mounts need
    /// the network.
    init(_ ordered: [MountEntry], isNetwork: (MountEntry) -> Bool) {
        let networkIndices = ordered.indices.filter { isNetwork(ordered[$0]) }
        guard !networkIndices.isEmpty else {
            afterIsolate = ordered
            return
        }
        for (index, mount) in ordered.enumerated() {
            if isNetwork(mount) {
                beforeIsolate.append(Member(mount: mount, network: mount))
                continue
            }
            // The deepest network mount later in the order that this one sits on (or keeps a directory on).
            let paths = [mount.target] + (mount.fstype == "overlay" ? OverlayOptions(mount.fsOptions).allDirectories : [])
            let holder = networkIndices.filter { $0 > index }.map { ordered[$0] }
                .filter { network in paths.contains { PathContainment.isPath($0, atOrBelow: network.target) } }
                .max { $0.target.utf8.count < $1.target.utf8.count }
            if let holder {
                beforeIsolate.append(Member(mount: mount, network: holder))
            } else {
                afterIsolate.append(mount)
            }
        }
    }
}
