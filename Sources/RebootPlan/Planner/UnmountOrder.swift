import KexecCore
import LinuxSystem
/// Puts mounts into an order in which each can be unmounted when its turn comes:
/// - a child before its parent (by mount IDs, or by path for an mtab);
/// - of two mounts on the same or nested paths that are not parent and child (stacked, or one hiding
///   the other), the later-mounted first: the earlier cannot be reached by its path while the later covers it;
/// - an overlay before the mounts holding its upper, work and lower directories.
/// Among mounts free to go, the deepest goes first, then the later-mounted.
/// O(n log n) for ordinary tables: a child waits only for its nearest chosen ancestor (the rest follows), paths
/// are compared through a trie, and the free mounts wait in a heap.
enum UnmountOrder {
    /// `chosen` (indices into `mounts`) in unmount order.
    static func sort(_ chosen: [Int], in mounts: [MountEntry]) -> [Int] {
        sort(chosen, in: MountTree(mounts))
    }

    /// `chosen` (indices into `tree.mounts`) in unmount order, with the table's tree already built.
    static func sort(_ chosen: [Int], in tree: MountTree) -> [Int] {
        let mounts = tree.mounts
        var isChosen = [Bool](repeating: false, count: mounts.count)
        for x in chosen { isChosen[x] = true }
        let lineage = MountLineage(tree, marked: isChosen)

        // Every (a, b): b may only go after a (repeats count twice on both sides). Gathered in one list and
        // grouped by a below, rather than one array per mount.
        var edges: [(first: Int, second: Int)] = []
        edges.reserveCapacity(2 * chosen.count)
        func edge(_ first: Int, _ second: Int) { edges.append((first, second)) }

        // Each mount's trie node, parents first: a child whose target extends its parent's adds only the rest.
        var trie = PathTrie(capacity: mounts.count)
        var nodeOf = [Int](repeating: -1, count: mounts.count)
        var relative: [String: [Int]] = [:]
        for m in mounts.indices.sorted(by: { lineage.depth[$0] < lineage.depth[$1] }) {
            let target = mounts[m].target
            guard target.hasPrefix("/") else {
                if isChosen[m] { relative[target, default: []].append(m) }
                continue
            }
            var start = 0
            var rest = Substring(target)
            if let p = tree.parent(of: m), nodeOf[p] >= 0, MountClassifier.hasBytePrefix(target, mounts[p].target) {
                let end = target.utf8.index(target.utf8.startIndex, offsetBy: mounts[p].target.utf8.count)
                if end == target.utf8.endIndex || target.utf8[end] == UInt8(ascii: "/") || mounts[p].target == "/" {
                    start = nodeOf[p]
                    rest = target[end...]
                }
            }
            nodeOf[m] = trie.node(for: rest, from: start)
            if isChosen[m] { trie.add(m, to: nodeOf[m]) }
        }
        for x in chosen {
            if let parent = lineage.nearestMarkedAncestor[x] { edge(x, parent) }
            // Mounts on x's own path or a directory above it, that are not x's ancestors: the later goes first.
            func consider(_ y: Int) {
                guard y != x, !lineage.isAncestor(x, of: y), !lineage.isAncestor(y, of: x) else { return }
                if y > x && mounts[y].target == mounts[x].target { return }  // the pair is seen from both sides
                edge(max(x, y), min(x, y))
            }
            if nodeOf[x] >= 0 {
                trie.forEachOnPath(from: nodeOf[x], consider)
            } else {
                for y in relative[mounts[x].target] ?? [] { consider(y) }
            }
        }
        for overlay in chosen where mounts[overlay].fstype == "overlay" {
            for directory in OverlayOptions(mounts[overlay].fsOptions).allDirectories {
                if let holder = tree.mountHolding(directory, excluding: overlay), isChosen[holder], holder != overlay {
                    edge(overlay, holder)
                }
            }
        }

        // successorStart[a]..<successorStart[a + 1] in `successors`: every b after a, in the order added.
        var successorStart = [Int](repeating: 0, count: mounts.count + 1)
        for (first, _) in edges { successorStart[first + 1] += 1 }
        for a in 0..<mounts.count { successorStart[a + 1] += successorStart[a] }
        var successors = [Int](repeating: 0, count: edges.count)
        var fill = successorStart
        for (first, second) in edges {
            successors[fill[first]] = second
            fill[first] += 1
        }

        var waitingFor = [Int](repeating: 0, count: mounts.count)
        for b in successors { waitingFor[b] += 1 }

        // Priority: deepest first, then the later-mounted; a mount's rank is its place in that order.
        let byPriority = chosen.sorted { a, b in
            lineage.depth[a] != lineage.depth[b] ? lineage.depth[a] > lineage.depth[b] : a > b
        }
        var rank = [Int](repeating: 0, count: mounts.count)
        for (position, x) in byPriority.enumerated() { rank[x] = position }
        var ready = MinHeap()
        for x in chosen where waitingFor[x] == 0 { ready.push(rank[x]) }
        var done = [Bool](repeating: false, count: mounts.count)
        var order: [Int] = []
        order.reserveCapacity(chosen.count)
        var firstPending = 0
        while order.count < byPriority.count {
            var next: Int?
            while let top = ready.pop() {
                if !done[byPriority[top]] { next = byPriority[top]; break }
            }
            if next == nil {
                // A loop (only in a malformed table) is broken at the mount that would go first anyway.
                while done[byPriority[firstPending]] { firstPending += 1 }
                next = byPriority[firstPending]
            }
            let mount = next!
            order.append(mount)
            done[mount] = true
            for b in successors[successorStart[mount]..<successorStart[mount + 1]] {
                waitingFor[b] -= 1
                if waitingFor[b] == 0 && !done[b] { ready.push(rank[b]) }
            }
        }
        return order
    }
}
