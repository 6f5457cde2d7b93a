import FoundationEssentials
import LinuxSystem
import SystemPackage

#if canImport(Glibc)
import Glibc
#endif

/// What `kreboot __execute --run-dir DIR` accepts: only a run directory kreboot created in this boot —
/// directly under the runs directory (itself ours and not writable by others), not a symlink, owned by
/// our euid, mode 0700, changed after this boot began (/proc/stat btime), holding a request written in
/// this boot (its boot id is /proc/sys/kernel/random/boot_id). Anything else is refused naming the
/// reason, before the request is trusted at all.
public struct RunDirectoryCheck: Sendable {
    /// Where run directories are made (/run/kreboot/runs; tests pass a temporary one).
    public var base: String
    /// The owner required: our effective uid (root in a real run).
    public var owner: UInt32
    /// When this boot began, seconds since the epoch; nil when unknown (then every directory is refused).
    public var bootTime: Int64?
    /// This boot's id; nil when unknown (then every request is refused).
    public var bootID: String?

    public init(base: String = RunDirectory.base, owner: UInt32 = geteuid(), bootTime: Int64?, bootID: String?) {
        self.base = base
        self.owner = owner
        self.bootTime = bootTime
        self.bootID = bootID
    }

    /// The check for this boot, reading btime and boot_id under `root`.
    public static func current(base: String = RunDirectory.base, root: RootDirectory = RootDirectory()) -> RunDirectoryCheck {
        RunDirectoryCheck(base: base, bootTime: Self.bootTime(root: root), bootID: Self.bootID(root: root))
    }

    /// `btime` of /proc/stat: when this boot began.
    public static func bootTime(root: RootDirectory = RootDirectory()) -> Int64? {
        guard let text = root.readText("/proc/stat") else { return nil }
        for line in text.split(separator: "\n") where line.hasPrefix("btime ") {
            return Int64(line.dropFirst("btime ".count).trimmingWhitespace())
        }
        return nil
    }

    /// /proc/sys/kernel/random/boot_id.
    public static func bootID(root: RootDirectory = RootDirectory()) -> String? {
        root.readLine("/proc/sys/kernel/random/boot_id")
    }

    /// The run directory and its request, or an error saying why the directory is not one kreboot made
    /// in this boot.
    public func accept(_ path: String) throws(SystemError) -> (RunDirectory, RunRequest) {
        func refuse(_ why: String) -> SystemError {
            SystemError(.noPermission, path: path, "\(path): not a run directory kreboot created in this boot: \(why)")
        }
        guard path.hasPrefix("/") else { throw refuse("not an absolute path") }
        let normalized = RootDirectory.normalize(path)
        let baseDir = RootDirectory.normalize(base)
        guard normalized == path.trimmingSuffix("/") else { throw refuse("not a plain path (it means \(normalized))") }
        guard RecordWriter.parent(of: normalized) == baseDir else { throw refuse("not directly under \(baseDir)") }
        var st = stat()
        guard lstat(baseDir, &st) == 0, (st.st_mode & S_IFMT) == S_IFDIR else { throw refuse("\(baseDir) is not a directory") }
        guard st.st_uid == owner, st.st_mode & 0o022 == 0 else {
            throw refuse("\(baseDir) is not ours alone (owner \(st.st_uid), mode \(String(st.st_mode & 0o7777, radix: 8)))")
        }
        let fd = open(normalized, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)
        guard fd >= 0 else {
            let error = Errno(rawValue: errno)
            throw refuse(error == .tooManySymbolicLinkLevels || error == .notDirectory ? "a symlink or not a directory" : "\(error)")
        }
        defer { close(fd) }
        guard fstat(fd, &st) == 0 else { throw refuse("cannot stat: \(Errno(rawValue: errno))") }
        guard st.st_uid == owner else { throw refuse("owned by uid \(st.st_uid), not \(owner)") }
        guard st.st_mode & 0o7777 == 0o700 else { throw refuse("mode \(String(st.st_mode & 0o7777, radix: 8)), not 700") }
        guard let bootTime else { throw refuse("this boot's start is unknown (/proc/stat btime)") }
        guard Int64(st.st_ctim.tv_sec) >= bootTime else { throw refuse("created before this boot") }
        let directory = RunDirectory(path: normalized)
        let request: RunRequest
        do { request = try directory.readRequest() } catch let error as SystemError {
            throw refuse(error.message)
        } catch {
            throw refuse("\(directory.requestFile): not a run request: \(error)")
        }
        guard let bootID, request.bootID == bootID else {
            throw refuse("the request was written in another boot (boot id \(request.bootID ?? "none"), this boot \(bootID ?? "unknown"))")
        }
        return (directory, request)
    }
}

extension String {
    /// The string without trailing `suffix`es (`/run/x//` → `/run/x`), keeping a lone `/`.
    func trimmingSuffix(_ suffix: Character) -> String {
        var result = self
        while result.count > 1 && result.last == suffix { result.removeLast() }
        return result
    }
}
