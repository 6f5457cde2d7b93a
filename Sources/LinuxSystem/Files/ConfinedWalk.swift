internal import CLinuxSyscalls
import SystemPackage

#if canImport(Glibc)
import Glibc
#endif

/// Resolves a path inside a root directory one component at a time, as `openat2(RESOLVE_IN_ROOT)` does:
/// an absolute symlink restarts at the root, `..` never climbs above it, at most 40 symlinks are followed
/// (more is ELOOP). Every step is an `openat`/`fstatat` relative to a directory already inside the tree,
/// with O_NOFOLLOW, so a symlink swapped in between steps is not followed. Used where the kernel lacks
/// openat2, and for the resolved path itself (`RootDirectory.resolveSymlinks`).
struct ConfinedWalk {
    /// The most symlinks one resolution follows (the kernel's limit).
    static let maxSymlinks = 40

    /// What a walk ended with: an open descriptor (when asked to open), the path inside the root it reached,
    /// and the error that stopped it. On ENOENT the path is completed lexically with what was left.
    struct Outcome {
        var fd: Int32?
        var resolved: String
        var error: Errno?
    }

    /// The root directory, open with CK_O_PATH; not closed here.
    let rootFD: Int32

    /// Walks `path` (absolute or relative, both from the root). When `openFlags` is given, the last
    /// component is opened with them (plus O_NOFOLLOW and O_CLOEXEC); `followFinal` says whether a
    /// symlink as last component is followed first.
    func run(_ path: String, openFlags: Int32?, followFinal: Bool) -> Outcome {
        var pending: [String] = Self.components(path).reversed()
        var dirs: [Int32] = []
        var names: [String] = []
        var links = 0
        defer { for fd in dirs { close(fd) } }

        func outcome(_ fd: Int32?, _ error: Errno?) -> Outcome {
            var parts = names
            if error == .noSuchFileOrDirectory {
                for part in pending.reversed() {
                    if part == ".." { if !parts.isEmpty { parts.removeLast() } } else if part != "." { parts.append(part) }
                }
            }
            return Outcome(fd: fd, resolved: "/" + parts.joined(separator: "/"), error: error)
        }

        while let name = pending.popLast() {
            if name == "." { continue }
            if name == ".." {
                if let fd = dirs.popLast() { close(fd); names.removeLast() }
                continue
            }
            let current = dirs.last ?? rootFD
            let isLast = pending.isEmpty
            var st = stat()
            if fstatat(current, name, &st, AT_SYMLINK_NOFOLLOW) != 0 {
                let error = Errno(rawValue: errno)
                pending.append(name)
                return outcome(nil, error)
            }
            if (st.st_mode & S_IFMT) == S_IFLNK && (!isLast || followFinal) {
                links += 1
                guard links <= Self.maxSymlinks, let target = Self.readLink(current, name) else {
                    return outcome(nil, links > Self.maxSymlinks ? .tooManySymbolicLinkLevels : Errno(rawValue: errno))
                }
                if target.hasPrefix("/") {
                    for fd in dirs { close(fd) }
                    dirs.removeAll()
                    names.removeAll()
                }
                pending.append(contentsOf: Self.components(target).reversed())
                continue
            }
            if isLast {
                names.append(name)
                guard let flags = openFlags else { return outcome(nil, nil) }
                let fd = openat(current, name, flags | O_NOFOLLOW | O_CLOEXEC)
                return fd >= 0 ? outcome(fd, nil) : outcome(nil, Errno(rawValue: errno))
            }
            guard (st.st_mode & S_IFMT) == S_IFDIR else {
                names.append(name)
                return outcome(nil, .notDirectory)
            }
            let fd = openat(current, name, CK_O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)
            guard fd >= 0 else { return outcome(nil, Errno(rawValue: errno)) }
            dirs.append(fd)
            names.append(name)
        }
        guard let flags = openFlags else { return outcome(nil, nil) }
        let fd = openat(dirs.last ?? rootFD, ".", flags | O_CLOEXEC)
        return fd >= 0 ? outcome(fd, nil) : outcome(nil, Errno(rawValue: errno))
    }

    /// The non-empty components of a path.
    static func components(_ path: String) -> [String] {
        path.split(separator: "/", omittingEmptySubsequences: true).map(String.init)
    }

    /// The target of the symlink `name` in the directory `dirFD`; nil on error (errno set).
    static func readLink(_ dirFD: Int32, _ name: String) -> String? {
        var buffer = [CChar](repeating: 0, count: Int(PATH_MAX) + 1)
        let n = readlinkat(dirFD, name, &buffer, buffer.count - 1)
        guard n > 0 else { return nil }
        return String(decoding: buffer[0..<n].map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
}
