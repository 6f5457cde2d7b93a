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

    /// The path on this machine for a path as the target system sees it.
    public func hostPath(_ targetPath: String) -> String {
        guard !prefix.isEmpty else { return targetPath }
        return targetPath.hasPrefix("/") ? prefix + targetPath : prefix + "/" + targetPath
    }

    /// The whole file as UTF-8 text (invalid bytes repaired); nil when absent or unreadable.
    public func readText(_ targetPath: String) -> String? {
        guard let bytes = readBytes(targetPath) else { return nil }
        return String(decoding: bytes, as: UTF8.self)
    }

    /// The first line of a small file, trimmed; nil when absent, unreadable or empty.
    public func readLine(_ targetPath: String) -> String? {
        guard let text = readText(targetPath) else { return nil }
        let line = text.split(separator: "\n", omittingEmptySubsequences: false).first.map(String.init) ?? ""
        let trimmed = line.trimmingWhitespace()
        return trimmed.isEmpty ? nil : trimmed
    }

    /// Up to `limit` bytes of the file; nil when absent or unreadable.
    public func readBytes(_ targetPath: String, limit: Int = 16 << 20) -> [UInt8]? {
        guard let fd = try? FileDescriptor.open(FilePath(hostPath(targetPath)), .readOnly, options: [.closeOnExec]) else {
            return nil
        }
        defer { try? fd.close() }
        var result: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 65536)
        while result.count < limit {
            let n: Int
            do {
                n = try chunk.withUnsafeMutableBytes { try fd.read(into: $0, retryOnInterrupt: true) }
            } catch {
                return result.isEmpty ? nil : result
            }
            if n == 0 { break }
            result.append(contentsOf: chunk[0..<min(n, limit - result.count)])
        }
        return result
    }

    /// Whether a path exists (following symlinks).
    public func exists(_ targetPath: String) -> Bool {
        var st = stat()
        return stat(hostPath(targetPath), &st) == 0
    }

    /// Whether a path is a directory (following symlinks).
    public func isDirectory(_ targetPath: String) -> Bool {
        var st = stat()
        return stat(hostPath(targetPath), &st) == 0 && (st.st_mode & S_IFMT) == S_IFDIR
    }

    /// Whether a path is a regular file (not following symlinks).
    public func isRegularFileNoFollow(_ targetPath: String) -> Bool {
        var st = stat()
        return lstat(hostPath(targetPath), &st) == 0 && (st.st_mode & S_IFMT) == S_IFREG
    }

    /// The names in a directory, sorted; empty when it is absent.
    public func listDirectory(_ targetPath: String) -> [String] {
        guard let dir = opendir(hostPath(targetPath)) else { return [] }
        defer { closedir(dir) }
        var names: [String] = []
        while let ent = readdir(dir) {
            let name = withUnsafeBytes(of: ent.pointee.d_name) { raw in
                String(decoding: raw.prefix { $0 != 0 }, as: UTF8.self)
            }
            if name != "." && name != ".." { names.append(name) }
        }
        return names.sorted()
    }

    /// The target of a symbolic link, as written in the link; nil when the path is not a symlink.
    public func readLink(_ targetPath: String) -> String? {
        var buffer = [CChar](repeating: 0, count: 4096)
        let n = readlink(hostPath(targetPath), &buffer, buffer.count - 1)
        guard n > 0 else { return nil }
        return String(decoding: buffer[0..<n].map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    /// A symlink resolved to an absolute target path (one level at a time, at most 40), or the path itself.
    public func resolveSymlinks(_ targetPath: String) -> String {
        var current = targetPath
        for _ in 0..<40 {
            guard let link = readLink(current) else { return current }
            if link.hasPrefix("/") {
                current = link
            } else {
                let dir = current.split(separator: "/", omittingEmptySubsequences: true).dropLast().joined(separator: "/")
                current = RootDirectory.normalize("/" + dir + "/" + link)
            }
        }
        return current
    }

    /// `/a/./b/../c` → `/a/c`.
    public static func normalize(_ path: String) -> String {
        var parts: [Substring] = []
        for part in path.split(separator: "/") {
            if part == "." || part.isEmpty { continue }
            if part == ".." { if !parts.isEmpty { parts.removeLast() }; continue }
            parts.append(part)
        }
        return "/" + parts.joined(separator: "/")
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
