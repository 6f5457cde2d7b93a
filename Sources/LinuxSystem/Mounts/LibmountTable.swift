import CMount

#if canImport(Glibc)
import Glibc
#endif

/// A libmount table (`struct libmnt_table`) parsed from one file. Owns its handle: `deinit` drops the
/// reference (`mnt_unref_table`). Internal: the rest of the module sees only `MountEntry` values.
struct LibmountTable: ~Copyable {
    /// What the parser's error callback saw: the first malformed line and how many there were.
    struct ParseProblems {
        var firstBadLine: Int32 = 0
        var badLines: Int32 = 0
    }

    /// One parsed line, still in libmount's terms.
    struct Row {
        var entry: MountEntry
        /// Whether libmount parsed the line as mountinfo (kernel) format.
        var isKernelFormat: Bool
    }

    private let handle: OpaquePointer

    /// A new, empty table; nil when libmount cannot allocate one.
    /// The corresponding C function is `mnt_new_table`.
    init?() {
        guard let table = mnt_new_table() else { return nil }
        handle = table
    }

    deinit {
        mnt_unref_table(handle)
    }

    /// Parses the bytes of a table file already read (through the gateway, capped), named `name` in
    /// libmount's messages. The corresponding C functions are `fmemopen` and `mnt_table_parse_stream`.
    func parse(bytes: [UInt8], name: String) -> (result: Int32, problems: ParseProblems) {
        guard !bytes.isEmpty else { return (0, ParseProblems()) }
        return bytes.withUnsafeBytes { raw in
            guard let stream = fmemopen(UnsafeMutableRawPointer(mutating: raw.baseAddress), raw.count, "r") else {
                return (-errno, ParseProblems())
            }
            defer { fclose(stream) }
            return parse { mnt_table_parse_stream($0, stream, name) }
        }
    }

    private func parse(_ run: (OpaquePointer) -> Int32) -> (result: Int32, problems: ParseProblems) {
        let problems = UnsafeMutablePointer<ParseProblems>.allocate(capacity: 1)
        problems.initialize(to: ParseProblems())
        defer { problems.deinitialize(count: 1); problems.deallocate() }

        _ = mnt_table_set_userdata(handle, problems)
        _ = mnt_table_set_parser_errcb(handle) { table, _, line in
            // Called for each line libmount cannot parse; returning 1 skips the line and goes on,
            // so every bad line is counted. The caller turns any of them into an error.
            if let raw = mnt_table_get_userdata(table) {
                let seen = raw.assumingMemoryBound(to: ParseProblems.self)
                if seen.pointee.firstBadLine == 0 { seen.pointee.firstBadLine = line }
                seen.pointee.badLines += 1
            }
            return 1
        }
        let result = run(handle)
        let seen = problems.pointee
        _ = mnt_table_set_parser_errcb(handle, nil)
        _ = mnt_table_set_userdata(handle, nil)
        return (result, seen)
    }

    /// The entries in table order.
    /// The corresponding C functions are `mnt_new_iter` and `mnt_table_next_fs`.
    func rows() -> [Row] {
        guard let iterator = mnt_new_iter(Int32(MNT_ITER_FORWARD)) else { return [] }
        defer { mnt_free_iter(iterator) }
        var rows: [Row] = []
        var fs: OpaquePointer?
        while mnt_table_next_fs(handle, iterator, &fs) == 0, let fs {
            rows.append(Self.row(fs))
        }
        return rows
    }

    /// Each entry's mount point and its whole option string (fstab's fourth field, utab's OPTS=), in table order.
    /// The corresponding C functions are `mnt_fs_get_target` and `mnt_fs_get_options`.
    func targetsAndOptions() -> [(target: String, options: String)] {
        guard let iterator = mnt_new_iter(Int32(MNT_ITER_FORWARD)) else { return [] }
        defer { mnt_free_iter(iterator) }
        var result: [(target: String, options: String)] = []
        var fs: OpaquePointer?
        while mnt_table_next_fs(handle, iterator, &fs) == 0, let fs {
            result.append((Self.string(mnt_fs_get_target(fs)) ?? "", Self.string(mnt_fs_get_options(fs)) ?? ""))
        }
        return result
    }

    private static func row(_ fs: OpaquePointer) -> Row {
        let isKernel = mnt_fs_is_kernel(fs) != 0
        let devno = mnt_fs_get_devno(fs)
        let entry = MountEntry(
            id: Int(mnt_fs_get_id(fs)),
            parentID: Int(mnt_fs_get_parent_id(fs)),
            source: string(mnt_fs_get_source(fs)) ?? "",
            target: withoutDeletedSuffix(string(mnt_fs_get_target(fs)) ?? "", isKernel: isKernel),
            fstype: string(mnt_fs_get_fstype(fs)) ?? "",
            vfsOptions: string(mnt_fs_get_vfs_options(fs)) ?? "",
            fsOptions: string(mnt_fs_get_fs_options(fs)) ?? "",
            fsRoot: string(mnt_fs_get_root(fs)) ?? "/",
            device: isKernel ? "\(major(devno)):\(minor(devno))" : nil
        )
        return Row(entry: entry, isKernelFormat: isKernel)
    }

    /// The kernel marks a mount point whose directory was removed with ` (deleted)`; libmount from 2.39 on
    /// strips it, older versions do not. Stripped here so every version gives the same target.
    private static func withoutDeletedSuffix(_ target: String, isKernel: Bool) -> String {
        let suffix = " (deleted)"
        guard isKernel, target.hasSuffix(suffix), target.count > suffix.count else { return target }
        return String(target.dropLast(suffix.count))
    }

    private static func string(_ pointer: UnsafePointer<CChar>?) -> String? {
        pointer.map { String(cString: $0) }
    }

    /// The major number of a `dev_t` (glibc's encoding).
    static func major(_ dev: dev_t) -> UInt64 {
        let d = UInt64(dev)
        return ((d >> 8) & 0xfff) | ((d >> 32) & ~UInt64(0xfff))
    }

    /// The minor number of a `dev_t` (glibc's encoding).
    static func minor(_ dev: dev_t) -> UInt64 {
        let d = UInt64(dev)
        return (d & 0xff) | ((d >> 12) & ~UInt64(0xff))
    }
}
