import LinuxSystem
#if canImport(Glibc)
import Glibc
#endif

/// The files grub.cfg sources, read through the gateway once each: a file is known by its identity (device
/// and inode, so two paths or symlinks to one file are one file), parsed once however often it is sourced,
/// and the bytes read and the words kept in all are capped, so a script that sources itself or one large file many times costs
/// no more than reading it once.
final class GrubSourceFiles {
    /// The most bytes all sourced files may hold together.
    static let totalLimit = 64 << 20

    private let root: RootDirectory
    private var parsed: [String: (nodes: [GrubNode], problems: [String])] = [:]
    private var totalBytes = 0

    /// Words the parses of grub.cfg and every sourced file may still keep, together.
    private var wordsLeft = GrubConfigParser.maximumWords

    init(root: RootDirectory) { self.root = root }

    /// Parses a script (grub.cfg or a sourced file) within what is left of the shared word limit.
    func parse(bytes: [UInt8], file: String) -> GrubConfigParser.Result {
        let result = GrubConfigParser.parse(bytes: bytes, file: file, wordLimit: max(0, wordsLeft))
        wordsLeft -= result.words
        return result
    }

    /// "dev:inode" of a file under the root; nil when it cannot be looked at.
    func identity(of path: String) -> String? {
        guard case .success(let st) = root.status(path) else { return nil }
        return "\(st.st_dev):\(st.st_ino)"
    }

    /// The parsed script at `path` (a path on the target system), nil when there is no such file or it is not
    /// a text file; an unreadable or oversized file, or one past the total cap, gives its problem and no nodes.
    /// `bytes` is what was read for it now: 0 when the file was read before.
    func script(at path: String) -> GrubMenuBuilder.Script? {
        let identity = identity(of: path)
        if let identity, let known = parsed[identity] { return (path, identity, known.nodes, [], 0) }
        let bytes: [UInt8]
        do throws(SystemError) {
            guard let read = try root.readFile(path, limit: .grubConfig) else { return nil }
            bytes = read
        } catch {
            return (path, identity, [], [error.message], 0)
        }
        guard !GrubReader.isBinary(bytes) else { return nil }
        totalBytes += bytes.count
        if totalBytes > Self.totalLimit {
            return (path, identity, [], ["\(path): not read: the files grub.cfg sources exceed \(Self.totalLimit >> 20) MiB in all"], 0)
        }
        let result = parse(bytes: bytes, file: path)
        if let identity { parsed[identity] = (result.nodes, result.problems) }
        return (path, identity, result.nodes, result.problems, bytes.count)
    }
}
