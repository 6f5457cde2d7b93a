import LinuxSystem
import LinuxSystem
/// Absolute paths stored by component, so "which of these paths are this path or a directory above it"
/// is a walk up parent links instead of building and hashing every parent path (quadratic in the path's
/// length: a 2,000-deep chain of nested mounts made mount ordering cubic).
struct PathTrie {
    private struct Key: Hashable {
        var parent: Int
        var name: Substring
    }

    private var children: [Key: Int] = [:]
    /// Each node's parent; node 0 is `/` (its own parent).
    private var parents: [Int] = [0]
    /// What is stored at each node.
    private var values: [[Int]] = [[]]

    /// An empty trie with room for about `capacity` nodes.
    init(capacity: Int = 0) {
        children.reserveCapacity(capacity)
        parents.reserveCapacity(capacity + 1)
        values.reserveCapacity(capacity + 1)
    }

    /// The node of `relative` (components separated by `/`; empty ones ignored) below `start`, created as needed.
    mutating func node(for relative: Substring, from start: Int = 0) -> Int {
        var node = start
        // Components found by scanning the bytes: no array of pieces is built for each path.
        let bytes = relative.utf8
        var position = bytes.startIndex
        while position < bytes.endIndex {
            guard bytes[position] != UInt8(ascii: "/") else {
                position = bytes.index(after: position)
                continue
            }
            let end = bytes[position...].firstIndex(of: UInt8(ascii: "/")) ?? bytes.endIndex
            let key = Key(parent: node, name: relative[position..<end])
            if let existing = children[key] {
                node = existing
            } else {
                parents.append(node)
                values.append([])
                children[key] = values.count - 1
                node = values.count - 1
            }
            position = end
        }
        return node
    }

    /// Stores `value` at `node`.
    mutating func add(_ value: Int, to node: Int) {
        values[node].append(value)
    }

    /// Calls `body` with the values stored at `node` and at each node above it, `/` last.
    func forEachOnPath(from node: Int, _ body: (Int) -> Void) {
        var current = node
        while true {
            for value in values[current] { body(value) }
            if current == 0 { return }
            current = parents[current]
        }
    }
}
