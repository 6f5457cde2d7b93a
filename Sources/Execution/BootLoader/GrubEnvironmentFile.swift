import Quiesce
import KexecCore
import Glibc
import LinuxSystem
import RebootPlan
import SystemPackage

/// The real grubenv editor: rewrites the 1024-byte block in place (same size, same blocks on disk, as GRUB's
/// own save_env needs) and syncs it. The corresponding command is `grub-editenv FILE set NAME=VALUE`.
public struct GrubEnvironmentFile: GrubEnvironmentEditing {
    public init() {}

    public func set(_ name: String, to value: String, in file: String) throws(RunError) -> String? {
        let operation = "set \(name) in \(file)"
        // Not through a symlink in its place, never waiting on a FIFO or device: a regular file only.
        let fd = open(file, O_RDWR | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY)
        guard fd >= 0 else { throw Self.systemError(operation, file) }
        defer { close(fd) }
        var st = stat()
        guard fstat(fd, &st) == 0, (st.st_mode & S_IFMT) == S_IFREG else {
            throw RunError(.failed, operation: operation, path: file, "\(file): not a regular file; grubenv left as it is")
        }
        var bytes = [UInt8](repeating: 0, count: 4096)
        let count = bytes.withUnsafeMutableBytes { pread(fd, $0.baseAddress, $0.count, 0) }
        guard count >= 0 else { throw Self.systemError(operation, file) }
        bytes.removeSubrange(count...)
        guard let edited = GrubEnvironment.setting(name, to: value, in: bytes) else {
            throw RunError(.failed, operation: operation, path: file,
                               "\(file): not a GRUB environment block with room for \(name)=\(value)")
        }
        let written = edited.block.withUnsafeBytes { pwrite(fd, $0.baseAddress, $0.count, 0) }
        guard written == edited.block.count, fsync(fd) == 0 else { throw Self.systemError(operation, file) }
        return edited.previous
    }

    private static func systemError(_ operation: String, _ file: String) -> RunError {
        let errno = Errno(rawValue: Glibc.errno)
        return RunError(RunError.code(for: errno), operation: operation, path: file, errno: errno,
                            "\(operation): \(String(cString: strerror(errno.rawValue)))")
    }
}
