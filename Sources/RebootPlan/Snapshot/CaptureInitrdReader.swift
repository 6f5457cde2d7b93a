import FoundationEssentials
import LinuxSystem
#if canImport(Glibc)
import Glibc
#endif

/// Reads kreboot's capture initrd for a kernel release (`CaptureInitrd`): the initrd, its stamp, and whether
/// the production initrd the stamp names is still the one it was built from (same size and modification
/// time). Everything through the root's gateway.
public enum CaptureInitrdReader {
    /// The capture initrd of `release` under `root`; nil when none was ever built (neither the initrd nor its
    /// stamp exists).
    public static func read(root: RootDirectory, release: String) -> CaptureInitrd? {
        let path = CaptureInitrd.path(release: release)
        let stampPath = CaptureInitrd.stampPath(release: release)
        let initrdStatus = root.status(path)
        let stampBytes = (try? root.readFile(stampPath, limit: .record)) ?? nil
        if case .failure = initrdStatus, stampBytes == nil { return nil }
        var bytes: UInt64?
        if case .success(let st) = initrdStatus, (st.st_mode & S_IFMT) == S_IFREG { bytes = UInt64(max(0, st.st_size)) }
        let stamp = stampBytes.flatMap { try? JSONDecoder().decode(CaptureInitrd.Stamp.self, from: Data($0)) }
        return CaptureInitrd(path: path, stamp: stamp, bytes: bytes,
                             staleReason: staleReason(root: root, release: release, stamp: stamp, stampPath: stampPath, bytes: bytes))
    }

    static func staleReason(root: RootDirectory, release: String, stamp: CaptureInitrd.Stamp?, stampPath: String,
                            bytes: UInt64?) -> String? {
        guard let bytes, bytes > 0 else { return "\(CaptureInitrd.path(release: release)): missing or empty" }
        guard let stamp else { return "\(stampPath): missing or unreadable" }
        guard stamp.release == release else { return "\(stampPath): built for \(stamp.release), not \(release)" }
        guard let source = root.identity(stamp.source) else { return "\(stamp.source): gone since the build" }
        guard source == FileIdentity(bytes: stamp.sourceBytes, modifiedNanoseconds: stamp.sourceModifiedNanoseconds) else {
            return "\(stamp.source): changed since the capture initrd was built"
        }
        return nil
    }
}
