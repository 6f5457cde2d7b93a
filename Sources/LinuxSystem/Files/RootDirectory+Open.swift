internal import CLinuxSyscalls
import SystemPackage

#if canImport(Glibc)
import Glibc
#endif

/// How `RootDirectory` opens paths: the one place a path of the target system becomes a descriptor.
extension RootDirectory {
    /// Opens `targetPath` as the target system would: under `--root`, inside the tree (absolute symlinks
    /// and `..` stay in it) with `openat2(RESOLVE_IN_ROOT)`, or component by component where the kernel
    /// lacks openat2. O_CLOEXEC is always added; O_NOFOLLOW when `followFinal` is false.
    /// Returns the descriptor (the caller closes it) or the errno.
    public func openDescriptor(_ targetPath: String, flags: Int32, followFinal: Bool = true) -> Result<Int32, Errno> {
        open(targetPath, flags: flags, followFinal: followFinal, useOpenat2: true)
    }

    /// `openDescriptor`, with the openat2 fast path optional (tests run the fallback walk with false).
    func open(_ targetPath: String, flags: Int32, followFinal: Bool, useOpenat2: Bool) -> Result<Int32, Errno> {
        let finalFlags = flags | O_CLOEXEC | (followFinal ? 0 : O_NOFOLLOW)
        guard !isRealRoot else {
            let fd = Glibc.open(targetPath, finalFlags)
            return fd >= 0 ? .success(fd) : .failure(Errno(rawValue: errno))
        }
        let rootFD = Glibc.open(prefix, CK_O_PATH | O_DIRECTORY | O_CLOEXEC)
        guard rootFD >= 0 else { return .failure(Errno(rawValue: errno)) }
        defer { close(rootFD) }
        if useOpenat2 {
            var relative = Substring(targetPath)
            while relative.hasPrefix("/") { relative = relative.dropFirst() }
            let rc = ck_openat2(rootFD, relative.isEmpty ? "." : String(relative),
                                UInt64(UInt32(bitPattern: finalFlags)), 0, CK_RESOLVE_IN_ROOT | CK_RESOLVE_NO_MAGICLINKS)
            if rc >= 0 { return .success(rc) }
            // ENOSYS: no openat2 (before Linux 5.6); EPERM: a seccomp filter refuses it; EAGAIN: the kernel
            // saw a rename race on `..`. The walk gives the same answer without openat2.
            if !([ENOSYS, EPERM, EAGAIN, E2BIG] as [Int32]).contains(-rc) { return .failure(Errno(rawValue: -rc)) }
        }
        let outcome = ConfinedWalk(rootFD: rootFD).run(targetPath, openFlags: flags & ~O_NOFOLLOW, followFinal: followFinal)
        if let fd = outcome.fd { return .success(fd) }
        return .failure(outcome.error ?? .noSuchFileOrDirectory)
    }

    /// `fstat` of what `targetPath` names (following a final symlink unless `followFinal` is false).
    public func status(_ targetPath: String, followFinal: Bool = true) -> Result<stat, Errno> {
        switch openDescriptor(targetPath, flags: CK_O_PATH, followFinal: followFinal) {
        case .failure(let error): return .failure(error)
        case .success(let fd):
            defer { close(fd) }
            var st = stat()
            return fstat(fd, &st) == 0 ? .success(st) : .failure(Errno(rawValue: errno))
        }
    }

    /// The path inside the root that `targetPath` resolves to (every symlink followed, `..` clamped at the
    /// root), and the error that stopped the resolution (ENOENT: the rest is completed as written;
    /// ELOOP: a symlink loop).
    public func resolve(_ targetPath: String) -> (path: String, error: Errno?) {
        let rootFD = Glibc.open(isRealRoot ? "/" : prefix, CK_O_PATH | O_DIRECTORY | O_CLOEXEC)
        guard rootFD >= 0 else { return (RootDirectory.normalize(targetPath), Errno(rawValue: errno)) }
        defer { close(rootFD) }
        let outcome = ConfinedWalk(rootFD: rootFD).run(targetPath, openFlags: nil, followFinal: true)
        return (outcome.resolved, outcome.error)
    }

    /// What a file mode is, for messages: "a directory", "a FIFO", ...
    static func kindName(_ mode: mode_t) -> String {
        switch mode & S_IFMT {
        case S_IFDIR: return "a directory"
        case S_IFIFO: return "a FIFO"
        case S_IFCHR: return "a character device"
        case S_IFBLK: return "a block device"
        case S_IFSOCK: return "a socket"
        case S_IFLNK: return "a symlink"
        default: return "a regular file"
        }
    }
}

extension RootDirectory {
    /// Whether a regular file can be opened for reading (inside the root, non-blocking).
    public func isReadable(_ targetPath: String) -> Bool {
        guard case .success(let fd) = openDescriptor(targetPath, flags: O_RDONLY | O_NONBLOCK | O_NOCTTY) else { return false }
        close(fd)
        return true
    }
}

extension RootDirectory {
    /// Whether this process may access what `targetPath` names in `mode` (R_OK, W_OK, X_OK), asked of a
    /// descriptor opened inside the root with O_PATH (nothing is opened for reading, so a device or FIFO is
    /// never touched). The corresponding C function is `faccessat` with AT_EMPTY_PATH.
    public func isAccessible(_ targetPath: String, mode: Int32) -> Bool {
        guard case .success(let fd) = openDescriptor(targetPath, flags: CK_O_PATH) else { return false }
        defer { close(fd) }
        if faccessat(fd, "", mode, CK_AT_EMPTY_PATH) == 0 { return true }
        guard errno == EINVAL || errno == ENOSYS else { return false }
        // Kernels before 5.8 have no faccessat2 (AT_EMPTY_PATH): ask through the descriptor's /proc link.
        return faccessat(AT_FDCWD, "/proc/self/fd/\(fd)", mode, 0) == 0
    }

    /// Bytes free for unprivileged writers on the file system holding `targetPath`, or (`nearestExisting`)
    /// its nearest existing parent, asked of a descriptor opened inside the root (O_PATH: nothing is read);
    /// nil when none can be opened. The corresponding C function is `fstatvfs`.
    public func freeBytes(_ targetPath: String, nearestExisting: Bool = true) -> UInt64? {
        var path = RootDirectory.normalize(targetPath)
        while true {
            if case .success(let fd) = openDescriptor(path, flags: CK_O_PATH | O_DIRECTORY) {
                defer { close(fd) }
                var st = statvfs()
                guard fstatvfs(fd, &st) == 0 else { return nil }
                let (bytes, overflow) = UInt64(st.f_bavail).multipliedReportingOverflow(by: UInt64(st.f_frsize))
                return overflow ? UInt64.max : bytes
            }
            guard nearestExisting, path != "/", let slash = path.lastIndex(of: "/") else { return nil }
            path = slash == path.startIndex ? "/" : String(path[..<slash])
        }
    }
}
