import SystemPackage

#if canImport(Glibc)
import Glibc
#endif

/// Listing directories through the gateway: opened inside the root, non-blocking, and capped in the number
/// of entries so a directory of millions of names is a named problem, not minutes of readdir and gigabytes.
extension RootDirectory {
    /// The most names kreboot reads from one directory.
    public static let maxDirectoryEntries = 100_000

    /// The names in a directory (no `.`/`..`), sorted; nil when it does not exist or is not a directory.
    /// Throws, naming the directory, when it has more than `maxEntries` names or cannot be read.
    public func readDirectory(_ targetPath: String, maxEntries: Int = RootDirectory.maxDirectoryEntries) throws(SystemError) -> [String]? {
        let fd: Int32
        switch openDescriptor(targetPath, flags: O_RDONLY | O_DIRECTORY | O_NONBLOCK) {
        case .success(let opened): fd = opened
        case .failure(.noSuchFileOrDirectory), .failure(.notDirectory): return nil
        case .failure(let error):
            throw SystemError(error == .permissionDenied ? .noPermission : .badData, path: targetPath, errno: error,
                              "\(targetPath): cannot open the directory: \(error)")
        }
        return try Self.listDirectory(adopting: fd, displayPath: targetPath, maxEntries: maxEntries)
    }

    /// The names in the open directory `fd` (closed here, also on error), sorted; throws past `maxEntries`.
    public static func listDirectory(adopting fd: Int32, displayPath: String,
                                     maxEntries: Int = RootDirectory.maxDirectoryEntries) throws(SystemError) -> [String] {
        guard let dir = fdopendir(fd) else {
            let error = Errno(rawValue: errno)
            close(fd)
            throw SystemError(.badData, path: displayPath, errno: error, "\(displayPath): cannot read the directory: \(error)")
        }
        defer { closedir(dir) }
        var names: [String] = []
        while let ent = readdir(dir) {
            let name = withUnsafeBytes(of: ent.pointee.d_name) { raw in
                String(decoding: raw.prefix { $0 != 0 }, as: UTF8.self)
            }
            if name == "." || name == ".." { continue }
            guard names.count < maxEntries else {
                throw SystemError(.badData, path: displayPath,
                                  "\(displayPath): more than \(maxEntries) entries, the limit for a directory")
            }
            names.append(name)
        }
        return names.sorted()
    }

    /// The names in a directory, sorted; empty when it is absent. A directory over the entry limit or one
    /// that cannot be read adds its named problem to `problems` and lists nothing.
    public func listDirectory(_ targetPath: String, problems: inout [String]) -> [String] {
        do { return try readDirectory(targetPath) ?? [] } catch {
            problems.append(error.message)
            return []
        }
    }

    /// The names in a directory (inside the root), sorted; empty when it is absent, unreadable or over the
    /// entry limit (callers that report problems use `listDirectory(_:problems:)`).
    public func listDirectory(_ targetPath: String) -> [String] {
        var ignored: [String] = []
        return listDirectory(targetPath, problems: &ignored)
    }
}
