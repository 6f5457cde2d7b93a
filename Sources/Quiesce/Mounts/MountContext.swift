import LinuxSystem
internal import CMount
import Glibc
import SystemPackage

/// A libmount context for one mount or umount operation. Freed in deinit.
struct MountContext: ~Copyable {
    private let handle: OpaquePointer
    private let operation: String
    private let path: String

    /// A context for `operation` (e.g. `umount /srv`) on the mount point `path`.
    init(operation: String, path: String) throws(QuiesceError) {
        guard let handle = mnt_new_context() else {
            throw QuiesceError(.failed, operation: operation, path: path, errno: .noMemory,
                               "\(operation): libmount could not allocate a context")
        }
        let rc = mnt_context_set_target(handle, path)
        guard rc == 0 else {
            mnt_free_context(handle)
            throw QuiesceError(.failed, operation: operation, path: path, errno: Errno(rawValue: -rc),
                               "\(operation): libmount refused the target \(path)")
        }
        self.handle = handle
        self.operation = operation
        self.path = path
    }

    deinit { mnt_free_context(handle) }

    /// Sets the mount options, e.g. `remount,ro`.
    func setOptions(_ options: String) throws(QuiesceError) {
        try check(mnt_context_set_options(handle, options))
    }

    /// Sets the source (device, `server:/export`) for a new mount. The corresponding C function is
    /// `mnt_context_set_source`.
    func setSource(_ source: String) throws(QuiesceError) {
        try check(mnt_context_set_source(handle, source))
    }

    /// Sets the file system type for a new mount. The corresponding C function is `mnt_context_set_fstype`.
    func setFileSystemType(_ type: String) throws(QuiesceError) {
        try check(mnt_context_set_fstype(handle, type))
    }

    /// No `/sbin/umount.TYPE` or `/sbin/mount.TYPE` helper: the syscall itself (umount2, which for NFS is
    /// all that matters; the helper of NFSv3 would also call the server). The corresponding C function is
    /// `mnt_context_disable_helpers`.
    func disableHelpers() throws(QuiesceError) {
        try check(mnt_context_disable_helpers(handle, 1))
    }

    /// Take paths as given, without resolving them (a stat through a dead server's mount would hang). The
    /// corresponding C function is `mnt_context_disable_canonicalize`.
    func disableCanonicalize() throws(QuiesceError) {
        try check(mnt_context_disable_canonicalize(handle, 1))
    }

    /// Lazy unmount: detach now, clean up when no longer busy (umount2 MNT_DETACH). The corresponding C function
    /// is `mnt_context_enable_lazy`.
    func enableLazy() throws(QuiesceError) {
        try check(mnt_context_enable_lazy(handle, 1))
    }

    /// Forced unmount (umount2 MNT_FORCE: NFS aborts the requests in flight). The corresponding C function is
    /// `mnt_context_enable_force`.
    func enableForce() throws(QuiesceError) {
        try check(mnt_context_enable_force(handle, 1))
    }

    /// Runs umount(2) through libmount. The corresponding C function is `mnt_context_umount`.
    func unmount() throws(QuiesceError) {
        try check(mnt_context_umount(handle))
    }

    /// Runs mount(2) through libmount. The corresponding C function is `mnt_context_mount`.
    func mount() throws(QuiesceError) {
        try check(mnt_context_mount(handle))
    }

    /// Turns a libmount return code into a QuiesceError: 0 is success; >0 is the syscall's errno; <0 is `-errno`
    /// or `-MNT_ERR_*`. The syscall's own errno (mnt_context_get_syscall_errno) wins when the syscall ran.
    private func check(_ rc: Int32) throws(QuiesceError) {
        guard rc != 0 else { return }
        let syscallErrno = mnt_context_get_syscall_errno(handle)
        let raw = syscallErrno != 0 ? syscallErrno : abs(rc)
        let errno: Errno? = raw > 0 && raw < 4096 ? Errno(rawValue: raw) : nil
        var buffer = [CChar](repeating: 0, count: 1024)
        _ = mnt_context_get_excode(handle, rc, &buffer, buffer.count)
        var detail = buffer.withUnsafeBufferPointer { String(cString: $0.baseAddress!) }
        if detail.isEmpty { detail = errno.map { String(cString: strerror($0.rawValue)) } ?? "libmount error \(rc)" }
        throw QuiesceError(QuiesceError.code(for: errno), operation: operation, path: path, errno: errno,
                           "\(operation): \(detail)")
    }
}
