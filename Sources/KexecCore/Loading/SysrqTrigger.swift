import SystemPackage

/// Crashes the kernel on purpose through magic SysRq (`c`), so a loaded capture kernel takes over.
/// Paths are parameters so tests write to temporary files; the real ones are never touched by tests.
public struct SysrqTrigger: Sendable {
    /// /proc/sysrq-trigger.
    public var triggerPath: String
    /// /proc/sys/kernel/sysrq: enabled (1) first, as `kdumpctl test` does.
    public var settingPath: String

    /// The trigger at `triggerPath`, enabled through `settingPath`.
    public init(triggerPath: String = "/proc/sysrq-trigger", settingPath: String = "/proc/sys/kernel/sysrq") {
        self.triggerPath = triggerPath
        self.settingPath = settingPath
    }

    /// Enables SysRq and writes `c`. Does not return on a real system when it works.
    public func crash() throws(KexecError) {
        try write("1\n", to: settingPath)
        try write("c", to: triggerPath)
    }

    private func write(_ text: String, to path: String) throws(KexecError) {
        do {
            let fd = try FileDescriptor.open(FilePath(path), .writeOnly, options: [.closeOnExec, .truncate])
            defer { try? fd.close() }
            _ = try fd.writeAll(Array(text.utf8))
        } catch {
            let errno = error as? Errno
            let code: KexecError.Code = (errno == .permissionDenied || errno == .notPermitted) ? .noPermission : .failed
            throw KexecError(code, operation: "panic", path: path, errno: errno, "\(path): cannot write: \(error)")
        }
    }
}
