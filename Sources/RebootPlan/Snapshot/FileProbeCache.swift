import KexecCore
import LinuxSystem
/// The facts of the kernels and initrds one snapshot looks at, each distinct path probed once (an open, a
/// stat and, for a kernel, its headers): two entries on one kernel file, or a kdump kernel that is also the
/// chosen one, cost one probe. A path first probed as an initrd is probed again, with its image, when it is
/// asked for as a kernel.
struct FileProbeCache {
    /// Looks at one file: the path and whether to read its kernel image headers.
    typealias Probe = (_ path: String, _ inspectKernel: Bool) -> FileFacts

    /// Every file probed so far, keyed by target path.
    private(set) var facts: [String: FileFacts] = [:]
    /// The paths whose image headers were read (asked for as a kernel).
    private var inspected: Set<String> = []
    private let probe: Probe

    /// A cache probing through `probe`.
    init(probe: @escaping Probe) { self.probe = probe }

    /// A cache probing files under `root` (`FileFacts.probe`).
    init(root: RootDirectory) {
        self.init { path, inspectKernel in FileFacts.probe(path, root: root, inspectKernel: inspectKernel) }
    }

    /// The facts of `path` as a kernel (its image read) or an initrd, probed only the first time.
    @discardableResult
    mutating func facts(of path: String, asKernel: Bool) -> FileFacts {
        if let known = facts[path], !asKernel || inspected.contains(path) { return known }
        let found = probe(path, asKernel)
        facts[path] = found
        if asKernel { inspected.insert(path) }
        return found
    }
}
