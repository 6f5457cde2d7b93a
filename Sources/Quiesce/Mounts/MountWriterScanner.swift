import LinuxSystem
import Glibc
import SystemPackage

/// Finds processes that hold regular files open for writing on one file system, by reading
/// /proc/PID/fd (which file, and its st_dev) and /proc/PID/fdinfo (the open flags). Read-only.
/// Everything is read relative to directories already open: /proc, then each /proc/PID, then its `fd`
/// directory; an fd's link is read with readlinkat and stat'ed through /proc's own link (the file the
/// process has open), never resolved as a path or opened.
struct MountWriterScanner {
    /// The proc file system to scan; tests may point it elsewhere.
    var procRoot: String = "/proc"

    /// The most descriptors looked at in one process.
    static let maximumDescriptors = 1 << 20

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
        let procFD = open(procRoot, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard procFD >= 0 else { return [] }
        defer { close(procFD) }
        let listFD = dup(procFD)
        guard listFD >= 0, let entries = try? RootDirectory.listDirectory(adopting: listFD, displayPath: procRoot,
                                                                           maxEntries: Self.maximumDescriptors) else { return [] }
        var result: [MountWriter] = []
        for pid in entries.compactMap({ Int32($0) }).sorted() {
            let pidFD = openat(procFD, String(pid), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)
            guard pidFD >= 0 else { continue }
            defer { close(pidFD) }
            result += writers(pid: pid, directory: pidFD, onDevice: device)
        }
        return result
    }

    /// The writers among the descriptors of one process, whose /proc/PID is open as `pidFD`.
    private func writers(pid: Int32, directory pidFD: Int32, onDevice device: dev_t) -> [MountWriter] {
        let fdDirectory = openat(pidFD, "fd", O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)
        guard fdDirectory >= 0 else { return [] }
        defer { close(fdDirectory) }
        let listFD = dup(fdDirectory)
        guard listFD >= 0, let fds = try? RootDirectory.listDirectory(adopting: listFD, displayPath: "\(procRoot)/\(pid)/fd",
                                                                       maxEntries: Self.maximumDescriptors) else { return [] }
        let fdinfoDirectory = openat(pidFD, "fdinfo", O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)
        guard fdinfoDirectory >= 0 else { return [] }
        defer { close(fdinfoDirectory) }
        var result: [MountWriter] = []
        var command: String?
        for fd in fds.compactMap({ Int($0) }).sorted() {
            let name = String(fd)
            var info = stat()
            // /proc/PID/fd/N is the kernel's link to the open file: stat through it reads that file's
            // status without resolving any path.
            guard fstatat(fdDirectory, name, &info, 0) == 0,
                  info.st_dev == device, (info.st_mode & S_IFMT) == S_IFREG,
                  let fdinfo = (try? RootDirectory.readFile(in: fdinfoDirectory, name: name, limit: .kernelFile,
                                                            displayPath: "\(procRoot)/\(pid)/fdinfo/\(fd)")) ?? nil,
                  Self.isOpenForWriting(fdinfo: String(decoding: fdinfo, as: UTF8.self)) else { continue }
            let file = Self.readLink(fdDirectory, name) ?? "fd \(fd)"
            if command == nil {
                let comm = (try? RootDirectory.readFile(in: pidFD, name: "comm", limit: .kernelFile, displayPath: "\(procRoot)/\(pid)/comm")) ?? nil
                command = comm.map { String(decoding: $0, as: UTF8.self).trimmingWhitespace() } ?? "?"
            }
            result.append(MountWriter(pid: pid, command: command ?? "?", file: file))
        }
        return result
    }

    /// The link `name` in the directory `directoryFD` as written (readlinkat: the link is not followed).
    static func readLink(_ directoryFD: Int32, _ name: String) -> String? {
        var buffer = [CChar](repeating: 0, count: Int(PATH_MAX) + 1)
        let n = readlinkat(directoryFD, name, &buffer, buffer.count - 1)
        guard n > 0 else { return nil }
        return String(decoding: buffer[0..<n].map { UInt8(bitPattern: $0) }, as: UTF8.self)
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
