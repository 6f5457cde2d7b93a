import LinuxSystem
import FoundationEssentials
import Glibc
import SystemPackage

/// Finds processes that hold regular files open for writing on one file system, by reading
/// /proc/PID/fd (which file, and its st_dev) and /proc/PID/fdinfo (the open flags). Read-only.
struct MountWriterScanner {
    /// The proc file system to scan; tests may point it elsewhere.
    var procRoot: String = "/proc"

    /// Writers on the file system that contains `path` (the one whose st_dev equals `path`'s).
    func writers(of path: String) throws(QuiesceError) -> [MountWriter] {
        var info = stat()
        guard stat(path, &info) == 0 else {
            throw QuiesceError.fromErrno(operation: "find writers", path: path)
        }
        return writers(onDevice: info.st_dev)
    }

    /// Writers on the file system with device number `device`. Processes that vanish or cannot be read are skipped.
    func writers(onDevice device: dev_t) -> [MountWriter] {
        let files = FileManager.default
        guard let entries = try? files.contentsOfDirectory(atPath: procRoot) else { return [] }
        var result: [MountWriter] = []
        for pid in entries.compactMap({ Int32($0) }).sorted() {
            let fdDirectory = "\(procRoot)/\(pid)/fd"
            guard let fds = try? files.contentsOfDirectory(atPath: fdDirectory) else { continue }
            var command: String?
            for fd in fds.compactMap({ Int($0) }).sorted() {
                var info = stat()
                guard stat("\(fdDirectory)/\(fd)", &info) == 0,
                      info.st_dev == device, (info.st_mode & S_IFMT) == S_IFREG,
                      let fdinfo = try? String(contentsOfFile: "\(procRoot)/\(pid)/fdinfo/\(fd)", encoding: .utf8),
                      Self.isOpenForWriting(fdinfo: fdinfo) else { continue }
                let file = (try? files.destinationOfSymbolicLink(atPath: "\(fdDirectory)/\(fd)")) ?? "fd \(fd)"
                if command == nil {
                    command = (try? String(contentsOfFile: "\(procRoot)/\(pid)/comm", encoding: .utf8))?
                        .trimmingWhitespace() ?? "?"
                }
                result.append(MountWriter(pid: pid, command: command ?? "?", file: file))
            }
        }
        return result
    }

    /// Whether an fdinfo text's `flags:` (octal open flags) has O_WRONLY or O_RDWR in its access mode.
    static func isOpenForWriting(fdinfo: String) -> Bool {
        for line in fdinfo.split(separator: "\n") where line.hasPrefix("flags:") {
            let value = line.dropFirst("flags:".count).trimmingWhitespace()
            guard let flags = Int32(value, radix: 8) else { return false }
            let mode = flags & O_ACCMODE
            return mode == O_WRONLY || mode == O_RDWR
        }
        return false
    }
}
