internal import CMount
import Glibc
import LinuxSystem
import SystemPackage

/// A parsed mount table (mountinfo) from libmount. Freed in deinit.
struct MountTable: ~Copyable {
    private let handle: OpaquePointer

    /// Parses `file` (normally /proc/self/mountinfo). The corresponding C function is `mnt_new_table_from_file`.
    init(file: String) throws(QuiesceError) {
        guard let handle = mnt_new_table_from_file(file) else {
            let errno = Errno(rawValue: Glibc.errno == 0 ? EINVAL : Glibc.errno)
            throw QuiesceError(.failed, operation: "read the mount table", path: file, errno: errno,
                               "read the mount table: \(file): \(String(cString: strerror(errno.rawValue)))")
        }
        self.handle = handle
    }

    deinit { mnt_unref_table(handle) }

    /// Every entry, in table order.
    var entries: [MountEntry] {
        guard let iterator = mnt_new_iter(Int32(MNT_ITER_FORWARD)) else { return [] }
        defer { mnt_free_iter(iterator) }
        var result: [MountEntry] = []
        var fs: OpaquePointer?
        while mnt_table_next_fs(handle, iterator, &fs) == 0, let fs {
            func string(_ value: UnsafePointer<CChar>?) -> String { value.map { String(cString: $0) } ?? "" }
            let devno = mnt_fs_get_devno(fs)
            result.append(MountEntry(
                id: Int(mnt_fs_get_id(fs)), parentID: Int(mnt_fs_get_parent_id(fs)),
                source: string(mnt_fs_get_source(fs)), target: string(mnt_fs_get_target(fs)),
                fstype: string(mnt_fs_get_fstype(fs)), vfsOptions: string(mnt_fs_get_vfs_options(fs)),
                fsOptions: string(mnt_fs_get_fs_options(fs)), fsRoot: string(mnt_fs_get_root(fs)),
                device: devno == 0 ? nil : Self.majorMinor(devno)))
        }
        return result
    }

    /// `major:minor` of a dev_t, as glibc's major() and minor() macros split it.
    static func majorMinor(_ dev: dev_t) -> String {
        let major = ((dev >> 8) & 0xfff) | ((dev >> 32) & ~0xfff)
        let minor = (dev & 0xff) | ((dev >> 12) & ~0xff)
        return "\(major):\(minor)"
    }
}
