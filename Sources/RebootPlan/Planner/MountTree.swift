import KexecCore
import LinuxSystem
/// The parent/child structure of a mount table: by mountinfo's mount and parent IDs where every entry
/// has them, else (an /etc/mtab) by path — a mount's parent is the nearest earlier mount whose target
/// contains its own. Lookups by path walk up the path's directories, so large tables stay fast.
struct MountTree {
    let mounts: [MountEntry]
    /// Whether the table carries mount IDs (mountinfo) rather than only paths (mtab).
    let hasIDs: Bool
    /// The indices of the mounts on each target, in table order.
    let byTarget: [String: [Int]]
    private let parents: [Int?]
    /// Per mount, the first mount of the same device (itself when it is the first).
    private let firstOfSameDevice: [Int]

    init(_ mounts: [MountEntry]) {
        self.mounts = mounts
        hasIDs = !mounts.isEmpty && mounts.allSatisfy { $0.id != 0 }
        var byTarget: [String: [Int]] = [:]
        var firstOfDevice: [DeviceKey: Int] = [:]
        var byID: [Int: Int] = [:]
        var firstOfSameDevice: [Int] = []
        firstOfSameDevice.reserveCapacity(mounts.count)
        byTarget.reserveCapacity(mounts.count)
        firstOfDevice.reserveCapacity(mounts.count)
        if hasIDs { byID.reserveCapacity(mounts.count) }
        for index in mounts.indices {
            byTarget[mounts[index].target, default: []].append(index)
            let key = DeviceKey(mounts[index])
            let first = firstOfDevice[key] ?? index
            if first == index { firstOfDevice[key] = index }
            firstOfSameDevice.append(first)
            if hasIDs { byID[mounts[index].id] = index }
        }
        self.byTarget = byTarget
        self.firstOfSameDevice = firstOfSameDevice
        parents = mounts.indices.map { index in
            if !byID.isEmpty {
                guard let parent = byID[mounts[index].parentID], parent != index else { return nil }
                return parent
            }
            return MountTree.pathParent(of: index, in: mounts, byTarget: byTarget)
        }
    }

    /// The device number when known, else the source and type (hashed as they are, no string built per mount).
    private enum DeviceKey: Hashable {
        case device(String)
        case source(fstype: String, source: String)

        init(_ mount: MountEntry) {
            self = mount.device.map(DeviceKey.device) ?? .source(fstype: mount.fstype, source: mount.source)
        }
    }

    /// The nearest earlier mount whose target is the same as or contains this one's (the latest of equals).
    private static func pathParent(of index: Int, in mounts: [MountEntry], byTarget: [String: [Int]]) -> Int? {
        for directory in MountClassifier.pathAndParents(mounts[index].target) {
            if let earlier = byTarget[directory]?.last(where: { $0 < index }) { return earlier }
        }
        return nil
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

    /// The first earlier mount of the same device (or, without device numbers, the same source and type).
    func earlierMountOfSameDevice(_ index: Int) -> Int? {
        let first = firstOfSameDevice[index]
        guard first < index else { return nil }
        return first
    }

    /// The mount a path lives on: the longest target containing it, the top one of stacked equals.
    func mountHolding(_ path: String, excluding excluded: Int? = nil) -> Int? {
        for directory in MountClassifier.pathAndParents(path) {
            if let top = byTarget[directory]?.last(where: { $0 != excluded }) { return top }
        }
        return nil
    }
}
