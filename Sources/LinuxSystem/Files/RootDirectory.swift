internal import CLinuxSyscalls
import SystemPackage

#if canImport(Glibc)
import Glibc
#endif

/// The root of the system being planned for (`--root DIR`, default `/`). Every file the planner's
/// snapshot reads goes through it, so fixture trees under Tests/ stand in for a real system.
public struct RootDirectory: Sendable, Equatable {
    /// The directory on this machine, without a trailing slash (empty string for `/`).
    public let prefix: String

    public init(_ path: String = "/") {
        var p = path
        while p.count > 1 && p.hasSuffix("/") { p.removeLast() }
        prefix = (p == "/" || p.isEmpty) ? "" : p
    }

    /// The root as given, `/` for the real one.
    public var path: String { prefix.isEmpty ? "/" : prefix }
    public var isRealRoot: Bool { prefix.isEmpty }

    /// The path on this machine for a path as the target system sees it: under `--root`, resolved inside
    /// the tree (absolute symlinks and `..` stay in it), so the result names no file outside the tree
    /// unless the tree changes after the call; open through `openDescriptor` where that matters.
    public func hostPath(_ targetPath: String) -> String {
        guard !prefix.isEmpty else { return targetPath }
        let resolved = resolve(targetPath).path
        return resolved == "/" ? prefix : prefix + resolved
    }

    /// The whole file as UTF-8 text (invalid bytes repaired); nil when absent or unreadable.
    public func readText(_ targetPath: String) -> String? {
        (try? readFileText(targetPath, limit: .textFile)) ?? nil
    }

    /// The first line of a small file, trimmed; nil when absent, unreadable or empty.
    public func readLine(_ targetPath: String) -> String? {
        guard let text = readText(targetPath) else { return nil }
        let line = text.split(separator: "\n", omittingEmptySubsequences: false).first.map(String.init) ?? ""
        let trimmed = line.trimmingWhitespace()
        return trimmed.isEmpty ? nil : trimmed
    }

    /// Up to `limit` bytes of the file (its first bytes: the rest is not read); nil when absent, unreadable
    /// or not a regular file.
    public func readBytes(_ targetPath: String, limit: Int = 16 << 20) -> [UInt8]? {
        guard let fd = try? openRegularFile(targetPath) else { return nil }
        defer { close(fd) }
        return try? Self.readAll(fd, limit: ReadLimit("file", bytes: limit), stopAtLimit: true, displayPath: targetPath)
    }

    /// Whether a path exists (following symlinks, inside the root).
    public func exists(_ targetPath: String) -> Bool {
        if case .success = status(targetPath) { return true }
        return false
    }

    /// Whether a path is a directory (following symlinks, inside the root).
    public func isDirectory(_ targetPath: String) -> Bool {
        guard case .success(let st) = status(targetPath) else { return false }
        return (st.st_mode & S_IFMT) == S_IFDIR
    }

    /// Whether a path is a regular file (not following a final symlink).
    public func isRegularFileNoFollow(_ targetPath: String) -> Bool {
        guard case .success(let st) = status(targetPath, followFinal: false) else { return false }
        return (st.st_mode & S_IFMT) == S_IFREG
    }

    /// The target of a symbolic link, as written in the link; nil when the path is not a symlink.
    public func readLink(_ targetPath: String) -> String? {
        guard case .success(let fd) = openDescriptor(targetPath, flags: CK_O_PATH, followFinal: false) else { return nil }
        defer { close(fd) }
        return ConfinedWalk.readLink(fd, "")
    }

    /// The path inside the root a path resolves to, every symlink followed (`..` and absolute targets stay
    /// in the root); where a component is missing, the rest as written; the path itself on a symlink loop.
    public func resolveSymlinks(_ targetPath: String) -> String {
        let (path, error) = resolve(targetPath)
        return error == .tooManySymbolicLinkLevels ? targetPath : path
    }

    /// `/a/./b/../c` → `/a/c`.
    public static func normalize(_ path: String) -> String {
        if isNormalized(path) { return path }
        var parts: [Substring] = []
        for part in path.split(separator: "/") {
            if part == "." || part.isEmpty { continue }
            if part == ".." { if !parts.isEmpty { parts.removeLast() }; continue }
            parts.append(part)
        }
        return "/" + parts.joined(separator: "/")
    }

    /// Whether `path` is already as `normalize` makes it: absolute, no empty, `.` or `..` component, no
    /// trailing slash (the common case, answered without splitting).
    static func isNormalized(_ path: String) -> Bool {
        var utf8 = path.utf8.makeIterator()
        guard utf8.next() == UInt8(ascii: "/") else { return false }
        var componentLength = 0, dots = 0, sawAny = false
        while let byte = utf8.next() {
            sawAny = true
            if byte == UInt8(ascii: "/") {
                if componentLength == 0 || dots == componentLength { return false }
                componentLength = 0
                dots = 0
            } else {
                componentLength += 1
                if byte == UInt8(ascii: ".") { dots += 1 }
            }
        }
        return !sawAny || (componentLength > 0 && (dots != componentLength || dots > 2))
    }
}

extension StringProtocol {
    /// The string without leading and trailing spaces, tabs, carriage returns and newlines.
    public func trimmingWhitespace() -> String {
        let isSpace: (Character) -> Bool = { $0 == " " || $0 == "\t" || $0 == "\n" || $0 == "\r" }
        guard let start = firstIndex(where: { !isSpace($0) }) else { return "" }
        let end = lastIndex(where: { !isSpace($0) })!
        return String(self[start...end])
    }
}
