import LinuxSystem
import LinuxSystem
/// The mount tree walked once, depth first: each mount's depth, and entry/exit times that answer
/// "is a an ancestor of b" in O(1). Mounts whose parent chain loops (a malformed table) start a tree of
/// their own, so every mount is placed exactly once. O(n) time and memory.
struct MountLineage {
    /// The number of ancestors of each mount.
    private(set) var depth: [Int]
    private var enter: [Int]
    private var exit: [Int]
    /// The nearest ancestor for which `marked` was true when the lineage was built, per mount.
    private(set) var nearestMarkedAncestor: [Int?]

    /// Walks `tree`; `marked` picks the mounts `nearestMarkedAncestor` looks for.
    init(_ tree: MountTree, marked: [Bool]) {
        let n = tree.mounts.count
        depth = [Int](repeating: 0, count: n)
        enter = [Int](repeating: -1, count: n)
        exit = [Int](repeating: -1, count: n)
        nearestMarkedAncestor = [Int?](repeating: nil, count: n)
        var children = [[Int]](repeating: [], count: n)
        var roots: [Int] = []
        for index in 0..<n {
            if let parent = tree.parent(of: index), parent != index { children[parent].append(index) } else { roots.append(index) }
        }
        var clock = 0
        // Roots first, then any mount not reached (its parent chain loops), in table order.
        var starts = roots[...]
        var next = 0
        while true {
            let start: Int
            if let root = starts.popFirst() {
                start = root
            } else {
                while next < n && enter[next] >= 0 { next += 1 }
                guard next < n else { break }
                start = next
            }
            guard enter[start] < 0 else { continue }
            // Iterative DFS: (mount, next child position).
            var stack: [(Int, Int)] = [(start, 0)]
            enter[start] = clock; clock += 1
            while let (mount, position) = stack.last {
                if position < children[mount].count {
                    stack[stack.count - 1].1 += 1
                    let child = children[mount][position]
                    guard enter[child] < 0 else { continue }
                    enter[child] = clock; clock += 1
                    depth[child] = depth[mount] + 1
                    nearestMarkedAncestor[child] = marked[mount] ? mount : nearestMarkedAncestor[mount]
                    stack.append((child, 0))
                } else {
                    exit[mount] = clock; clock += 1
                    stack.removeLast()
                }
            }
        }
    }

    /// Whether `a` is a (strict) ancestor of `b`.
    func isAncestor(_ a: Int, of b: Int) -> Bool {
        a != b && enter[a] < enter[b] && exit[b] < exit[a]
    }
}
