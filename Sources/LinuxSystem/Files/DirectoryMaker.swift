import SystemPackage

#if canImport(Glibc)
import Glibc
#endif

/// `mkdir -p -m MODE`: the one place kreboot creates a directory together with its missing parents (records
/// under /var/lib/kreboot, configuration drop-ins, the capture initrd's configuration directory). Directories
/// that exist are left as they are, whatever their mode.
public enum DirectoryMaker {
    /// Creates `path` and its missing parents with `mode`. A failure names `displayPath` (the path as the
    /// user knows it, when `path` is under a test root) or else the component that could not be made; a
    /// read-only file system or a refused permission is `.noPermission`.
    public static func makeWithParents(_ path: String, mode: mode_t, displayPath: String? = nil) throws(SystemError) {
        var current = path.hasPrefix("/") ? "" : "."
        for part in path.split(separator: "/") {
            current += "/" + part
            guard mkdir(current, mode) != 0, errno != EEXIST else { continue }
            let err = Errno(rawValue: errno)
            let named = displayPath ?? current
            throw SystemError(err == .readOnlyFileSystem || err == .permissionDenied ? .noPermission : .failed,
                              path: named, errno: err, "\(named): cannot create directory: \(err)")
        }
    }
}
