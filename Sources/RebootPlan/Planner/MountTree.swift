/// The parent/child structure of a mount table: by mountinfo's mount and parent IDs where every entry
/// has them, else (an /etc/mtab) by path — a mount's parent is the nearest earlier mount whose target
/// contains its own.
struct MountTree {
    let mounts: [MountEntry]
    /// Whether the table carries mount IDs (mountinfo) rather than only paths (mtab).
    let hasIDs: Bool
    private let parents: [Int?]

    init(_ mounts: [MountEntry]) {
        self.mounts = mounts
        hasIDs = !mounts.isEmpty && mounts.allSatisfy { $0.id != 0 }
        var byID: [Int: Int] = [:]
        if hasIDs { for (index, mount) in mounts.enumerated() { byID[mount.id] = index } }
        parents = mounts.indices.map { index in
            if !byID.isEmpty {
                guard let parent = byID[mounts[index].parentID], parent != index else { return nil }
                return parent
            }
            return MountTree.pathParent(of: index, in: mounts)
        }
    }

    /// The nearest earlier mount whose target is the same as or contains this one's (the latest of equals).
    private static func pathParent(of index: Int, in mounts: [MountEntry]) -> Int? {
        var best: Int?
        for candidate in 0..<index where MountClassifier.isPath(mounts[index].target, below: mounts[candidate].target) {
            if let b = best, mounts[b].target.count > mounts[candidate].target.count { continue }
            best = candidate
        }
        return best
    }

    /// The parent mount's index, when the table has it.
    func parent(of index: Int) -> Int? { parents[index] }

    /// The chain of parents, nearest first (stops at a loop in a malformed table).
    func ancestors(of index: Int) -> [Int] {
        var chain: [Int] = []
        var seen: Set<Int> = [index]
        var current = parents[index]
        while let p = current, seen.insert(p).inserted {
            chain.append(p)
            current = parents[p]
        }
        return chain
    }

    /// How many parents a mount has.
    func depth(of index: Int) -> Int { ancestors(of: index).count }

    /// The first earlier mount of the same device (or, without device numbers, the same source).
    func earlierMountOfSameDevice(_ index: Int) -> Int? {
        let mount = mounts[index]
        return (0..<index).first { other in
            if let device = mount.device, let otherDevice = mounts[other].device { return device == otherDevice }
            return mounts[other].source == mount.source && mounts[other].fstype == mount.fstype
        }
    }

    /// The mount a path lives on: the longest target containing it, the top one of stacked equals.
    func mountHolding(_ path: String, excluding excluded: Int? = nil) -> Int? {
        var best: Int?
        for index in mounts.indices where index != excluded && MountClassifier.isPath(path, below: mounts[index].target) {
            if let b = best, mounts[b].target.count > mounts[index].target.count { continue }
            best = index
        }
        return best
    }
}
