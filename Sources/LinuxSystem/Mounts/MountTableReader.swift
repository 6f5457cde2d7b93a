import SystemPackage

#if canImport(Glibc)
import Glibc
#endif

/// Reads the mount table through libmount.
public enum MountTableReader {
    /// The kernel's mount table of this process, as the target system names it.
    public static let mountInfoFile = "/proc/self/mountinfo"
    /// The old user-space mount table, used only where mountinfo is absent and it is a regular file.
    public static let mtabFile = "/etc/mtab"

    /// Reads `<root>/proc/self/mountinfo`, or `<root>/etc/mtab` where mountinfo is absent and mtab is a
    /// regular file (not a symlink). Returns the entries in table order and the file read (target path).
    /// Throws `.badData` naming the file when it is missing, unreadable, malformed or empty.
    /// Strings are as libmount returns them (`\040` already unescaped); targets are as the target system sees them.
    public static func read(root: RootDirectory) throws(SystemError) -> (entries: [MountEntry], file: String) {
        if root.exists(mountInfoFile) {
            return (try parse(file: mountInfoFile, root: root, requireMountInfo: true), mountInfoFile)
        }
        if root.isRegularFileNoFollow(mtabFile) {
            return (try parse(file: mtabFile, root: root, requireMountInfo: false), mtabFile)
        }
        throw SystemError(.badData, path: mountInfoFile,
                              "\(mountInfoFile) is missing (and there is no regular \(mtabFile)): is /proc mounted?")
    }

    /// Reads one mountinfo file, `file` under `root` (by default the file itself on this machine, e.g.
    /// /proc/self/mountinfo just before an unmount, or a test's fixture). Same checks and errors as `read(root:)`.
    public static func read(mountInfo file: String, root: RootDirectory = RootDirectory()) throws(SystemError) -> [MountEntry] {
        try parse(file: file, root: root, requireMountInfo: true)
    }

    /// The file systems /etc/fstab (or `file`) lists, through libmount: `source` as written (`UUID=…`,
    /// `LABEL=…`, a device path), only entries with an absolute mount point (swap lines are left out).
    /// What a boot loader's `search --fs-uuid` names can be found here when the mount table cannot say.
    public static func read(fstab file: String = "/etc/fstab", root: RootDirectory = RootDirectory()) throws(SystemError) -> [MountEntry] {
        try parse(file: file, root: root, requireMountInfo: false, requireAbsoluteTargets: false)
            .filter { $0.target.hasPrefix("/") }
    }

    /// Parses one table file and checks that libmount understood every line of it.
    static func parse(file: String, root: RootDirectory, requireMountInfo: Bool,
                      requireAbsoluteTargets: Bool = true) throws(SystemError) -> [MountEntry] {
        let bytes: [UInt8]
        do throws(SystemError) {
            guard let read = try root.readFile(file, limit: .mountTable) else {
                throw SystemError(.badData, path: file, "cannot read \(file): \(Errno.noSuchFileOrDirectory)")
            }
            bytes = read
        } catch {
            throw SystemError(error.code, path: file, error.message.hasPrefix(file) ? "cannot read " + error.message : error.message)
        }
        try MountTableLimits.check(bytes, file: file)
        guard let table = LibmountTable() else {
            throw SystemError(.badData, path: file, "cannot read \(file): libmount could not allocate a table")
        }
        let (result, problems) = table.parse(bytes: bytes, name: root.hostPath(file))
        if result < 0 {
            throw SystemError(.badData, path: file, errno: Errno(rawValue: -result),
                              "cannot read \(file): \(String(cString: strerror(-result)))")
        }
        if problems.badLines > 0 {
            let more = problems.badLines > 1 ? " (and \(problems.badLines - 1) more)" : ""
            throw SystemError(.badData, path: file, "\(file) is malformed: line \(problems.firstBadLine) cannot be parsed\(more)")
        }
        let rows = table.rows()
        if rows.isEmpty {
            throw SystemError(.badData, path: file, "\(file) lists no mounts")
        }
        if requireMountInfo, let index = rows.firstIndex(where: { !$0.isKernelFormat }) {
            throw SystemError(.badData, path: file, "\(file) is malformed: entry \(index + 1) is not in mountinfo format")
        }
        if requireAbsoluteTargets, let index = rows.firstIndex(where: { !$0.entry.target.hasPrefix("/") }) {
            throw SystemError(.badData, path: file,
                                  "\(file) is malformed: entry \(index + 1) has no absolute mount point (\"\(rows[index].entry.target)\")")
        }
        return rows.map(\.entry)
    }

    /// Why a file cannot be read, or nil when its first byte can be (libmount reports only EINVAL for
    /// some of these, e.g. a directory).
    static func readProblem(_ hostPath: String) -> Errno? {
        do {
            let fd = try FileDescriptor.open(FilePath(hostPath), .readOnly, options: [.closeOnExec], retryOnInterrupt: true)
            defer { try? fd.close() }
            var byte: UInt8 = 0
            _ = try withUnsafeMutableBytes(of: &byte) { try fd.read(into: $0, retryOnInterrupt: true) }
            return nil
        } catch let errno as Errno {
            return errno
        } catch {
            return nil
        }
    }
}
