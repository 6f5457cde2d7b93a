import KexecCore
import LinuxSystem
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
        let chosenSet = Set(chosen)
        var ancestors: [Int: Set<Int>] = [:]
        var depth: [Int: Int] = [:]
        var chosenByTarget: [String: [Int]] = [:]
        for x in chosen {
            let chain = tree.ancestors(of: x)
            ancestors[x] = Set(chain)
            depth[x] = chain.count
            chosenByTarget[mounts[x].target, default: []].append(x)
        }

        // mustPrecede[a] holds every b that may only go after a.
        var mustPrecede: [Int: Set<Int>] = [:]
        func edge(_ first: Int, _ second: Int) { mustPrecede[first, default: []].insert(second) }

        for x in chosen {
            for parent in ancestors[x]! where chosenSet.contains(parent) {
                edge(x, parent)
            }
            // Mounts on x's own path or a directory above it, that are not x's ancestors: the later goes first.
            for directory in MountClassifier.pathAndParents(mounts[x].target) {
                for y in chosenByTarget[directory] ?? [] where y != x {
                    if ancestors[x]!.contains(y) || ancestors[y]!.contains(x) { continue }
                    edge(max(x, y), min(x, y))
                }
            }
        }
        for overlay in chosen where mounts[overlay].fstype == "overlay" {
            for directory in OverlayOptions(mounts[overlay].fsOptions).allDirectories {
                if let holder = tree.mountHolding(directory, excluding: overlay), chosenSet.contains(holder) {
                    edge(overlay, holder)
                }
            }
        }

        var waitingFor: [Int: Int] = Dictionary(uniqueKeysWithValues: chosen.map { ($0, 0) })
        for (_, later) in mustPrecede { for b in later { waitingFor[b]! += 1 } }

        func goesFirst(_ a: Int, _ b: Int) -> Bool {
            depth[a]! != depth[b]! ? depth[a]! > depth[b]! : a > b
        }
        // Walk the mounts in priority order, taking the first whose predecessors are all gone.
        let byPriority = chosen.sorted(by: goesFirst)
        var done = Set<Int>()
        var order: [Int] = []
        var firstPending = 0
        while order.count < byPriority.count {
            while done.contains(byPriority[firstPending]) { firstPending += 1 }
            let pending = byPriority[firstPending...].lazy.filter { !done.contains($0) }
            // A loop (only in a malformed table) is broken at the mount that would go first anyway.
            let next = pending.first { waitingFor[$0]! == 0 } ?? pending.first!
            order.append(next)
            done.insert(next)
            for b in mustPrecede[next] ?? [] { waitingFor[b]! -= 1 }
        }
        return order
    }
}
