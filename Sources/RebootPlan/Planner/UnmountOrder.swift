/// Puts mounts into an order in which each can be unmounted when its turn comes:
/// - a child before its parent (by mount IDs, or by path for an mtab);
/// - of two mounts on the same or nested paths that are not parent and child (stacked, or one hiding
///   the other), the later-mounted first: the earlier cannot be reached by its path while the later covers it;
/// - an overlay before the mounts holding its upper, work and lower directories.
/// Among mounts free to go, the deepest goes first, then the later-mounted.
enum UnmountOrder {
    /// `chosen` (indices into `mounts`) in unmount order.
    static func sort(_ chosen: [Int], in mounts: [MountEntry]) -> [Int] {
        let tree = MountTree(mounts)
        let ancestors = Dictionary(uniqueKeysWithValues: chosen.map { ($0, Set(tree.ancestors(of: $0))) })
        let depth = Dictionary(uniqueKeysWithValues: chosen.map { ($0, ancestors[$0]!.count) })

        // mustPrecede[a] holds every b that may only go after a.
        var mustPrecede: [Int: Set<Int>] = [:]
        func edge(_ first: Int, _ second: Int) { mustPrecede[first, default: []].insert(second) }

        for (i, x) in chosen.enumerated() {
            for y in chosen[(i + 1)...] {
                if ancestors[x]!.contains(y) {
                    edge(x, y)
                } else if ancestors[y]!.contains(x) {
                    edge(y, x)
                } else if MountClassifier.isPath(mounts[x].target, below: mounts[y].target)
                            || MountClassifier.isPath(mounts[y].target, below: mounts[x].target) {
                    edge(max(x, y), min(x, y))
                }
            }
        }
        let chosenSet = Set(chosen)
        for overlay in chosen where mounts[overlay].fstype == "overlay" {
            for directory in OverlayOptions(mounts[overlay].fsOptions).allDirectories {
                if let holder = tree.mountHolding(directory, excluding: overlay), chosenSet.contains(holder) {
                    edge(overlay, holder)
                }
            }
        }

        var waitingFor: [Int: Int] = Dictionary(uniqueKeysWithValues: chosen.map { ($0, 0) })
        for (_, later) in mustPrecede { for b in later { waitingFor[b, default: 0] += 1 } }

        func goesFirst(_ a: Int, _ b: Int) -> Bool {
            depth[a]! != depth[b]! ? depth[a]! > depth[b]! : a > b
        }
        var remaining = chosenSet
        var order: [Int] = []
        while !remaining.isEmpty {
            let ready = remaining.filter { waitingFor[$0]! <= 0 }
            // A loop (only in a malformed table) is broken at the mount that would go first anyway.
            let pool = ready.isEmpty ? remaining : ready
            let next = pool.min(by: goesFirst)!
            order.append(next)
            remaining.remove(next)
            for b in mustPrecede[next] ?? [] { waitingFor[b]! -= 1 }
        }
        return order
    }
}
