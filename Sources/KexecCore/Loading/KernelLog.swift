import SystemPackage

/// Writes a line into the kernel's log, where a capture kernel's saver finds it in the crashed kernel's dmesg.
public protocol KernelLogWriting: Sendable {
    /// Appends `line` to the kernel log.
    func write(_ line: String) throws(KexecError)
}

/// The kernel log through /dev/kmsg (one write, one record, as `echo … > /dev/kmsg`). The path is a parameter
/// so tests write to a temporary file.
public struct KmsgWriter: KernelLogWriting {
    public var path: String

    public init(path: String = "/dev/kmsg") { self.path = path }

    /// Writes `line` as one record at notice level (`<5>`), prefixed as kreboot's. The corresponding C
    /// function is `write`.
    public func write(_ line: String) throws(KexecError) {
        do {
            let fd = try FileDescriptor.open(FilePath(path), .writeOnly, options: [.closeOnExec, .append])
            defer { try? fd.close() }
            _ = try fd.writeAll(Array("<5>\(line)\n".utf8))
        } catch {
            throw KexecError(.failed, operation: "kernel log", path: path, errno: error as? Errno, "\(path): cannot write: \(error)")
        }
    }
}

/// A kernel log that keeps nothing (the default of parts built in tests).
public struct DiscardingKernelLog: KernelLogWriting {
    public init() {}
    public func write(_ line: String) throws(KexecError) {}
}
