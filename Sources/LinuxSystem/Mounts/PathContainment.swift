/// Which directory or mount holds a path: the one rule ("the path itself or below it, `/` holds all") that
/// the planner, the boot loader readers and the capture boot's mount units share. Paths are normalized and
/// absolute (`RootDirectory.normalize`).
public enum PathContainment {
    /// Whether `path` is `directory` or lies below it; `/` holds every absolute path. Compared byte by byte, as
    /// the kernel compares paths (no Unicode equivalence).
    public static func isPath(_ path: String, atOrBelow directory: String) -> Bool {
        let p = path.utf8, d = directory.utf8
        if d.count == 1 && d.first == UInt8(ascii: "/") { return p.first == UInt8(ascii: "/") }
        guard p.count >= d.count, p.starts(with: d) else { return false }
        return p.count == d.count || p[p.index(p.startIndex, offsetBy: d.count)] == UInt8(ascii: "/")
    }
}

extension Collection where Element == MountEntry {
    /// The mount with the deepest target holding `path` (of equal targets the later one, the mount on top);
    /// nil when none holds it.
    public func deepestMount(holding path: String) -> MountEntry? {
        var best: MountEntry?
        var bestLength = -1
        for mount in self {
            let length = mount.target.utf8.count
            if length >= bestLength && PathContainment.isPath(path, atOrBelow: mount.target) {
                best = mount
                bestLength = length
            }
        }
        return best
    }
}
