#if canImport(Glibc)
import Glibc
#endif

/// What tells one version of a file from the next without reading it: its size and its modification time in
/// nanoseconds (as `stat` gives them). A record written beside a file it was derived from (the capture initrd's
/// stamp naming the production initrd) keeps this to tell later whether the file is still the one it saw.
public struct FileIdentity: Sendable, Equatable {
    /// st_size (0 for a negative one).
    public var bytes: UInt64
    /// st_mtim in nanoseconds since the epoch.
    public var modifiedNanoseconds: Int64

    public init(bytes: UInt64, modifiedNanoseconds: Int64) {
        self.bytes = bytes
        self.modifiedNanoseconds = modifiedNanoseconds
    }

    /// The identity `status` describes.
    public init(_ status: stat) {
        self.init(bytes: UInt64(max(0, status.st_size)),
                  modifiedNanoseconds: Int64(status.st_mtim.tv_sec) * 1_000_000_000 + Int64(status.st_mtim.tv_nsec))
    }
}

extension RootDirectory {
    /// The identity of `targetPath` (the final link followed); nil when it cannot be stat'ed.
    public func identity(_ targetPath: String) -> FileIdentity? {
        guard case .success(let st) = status(targetPath) else { return nil }
        return FileIdentity(st)
    }
}
