import Execution
import RebootPlan
import Quiesce
import KexecCore
import LinuxSystem
import Synchronization
import SystemPackage

#if canImport(Glibc)
import Glibc
#endif

/// A fake of the kexec system calls: records each call (with the files behind the descriptors) and answers
/// with scripted errnos. For tests; it never calls the kernel.
public final class RecordingKexecSyscalls: KexecSyscalls {
    /// One recorded kexec_file_load call.
    public struct FileLoad: Sendable, Equatable {
        /// The path behind the kernel descriptor (/proc/self/fd), nil for unload.
        public var kernelPath: String?
        /// The first bytes (at most 64) behind the kernel descriptor, nil for unload.
        public var kernelHead: [UInt8]?
        /// The bytes behind the initrd descriptor (at most 1 MiB), nil when there was none.
        public var initrd: [UInt8]?
        public var commandLine: String
        public var flags: KexecFileFlags

        public init(kernelPath: String?, kernelHead: [UInt8]?, initrd: [UInt8]?, commandLine: String, flags: KexecFileFlags) {
            self.kernelPath = kernelPath
            self.kernelHead = kernelHead
            self.initrd = initrd
            self.commandLine = commandLine
            self.flags = flags
        }
    }

    /// One recorded call.
    public enum Call: Sendable, Equatable {
        case fileLoad(FileLoad)
        case rebootKexec
    }

    private let state = Mutex<(calls: [Call], loadResults: [Errno?], rebootResult: Errno)>(([], [], .invalidArgument))

    /// A fake with no calls yet; every call succeeds until told otherwise.
    public init() {}

    /// Every call so far, in order.
    public var calls: [Call] { state.withLock { $0.calls } }

    /// The errnos the next kexec_file_load calls answer, in order (nil: success). Once used up, calls succeed.
    public func answerFileLoad(_ results: Errno?...) { state.withLock { $0.loadResults += results } }

    /// The errno reboot answers (a real reboot does not return).
    public func answerReboot(_ errno: Errno) { state.withLock { $0.rebootResult = errno } }

    /// Records the call with the files behind the descriptors; answers the next scripted errno.
    public func kexecFileLoad(kernelFD: Int32, initrdFD: Int32, commandLine: String, flags: KexecFileFlags) -> Errno? {
        let unloading = flags.contains(.unload)
        let call = FileLoad(kernelPath: unloading ? nil : Self.path(of: kernelFD),
                            kernelHead: unloading ? nil : Self.contents(of: kernelFD, limit: 64),
                            initrd: unloading || flags.contains(.noInitramfs) ? nil : Self.contents(of: initrdFD),
                            commandLine: commandLine, flags: flags)
        return state.withLock { s in
            s.calls.append(.fileLoad(call))
            return s.loadResults.isEmpty ? nil : s.loadResults.removeFirst()
        }
    }

    /// Records the call; answers the scripted errno (EINVAL by default: nothing loaded).
    public func rebootKexec() -> Errno {
        state.withLock { s in
            s.calls.append(.rebootKexec)
            return s.rebootResult
        }
    }

    private static func path(of fd: Int32) -> String? {
        var buffer = [CChar](repeating: 0, count: 4096)
        let n = readlink("/proc/self/fd/\(fd)", &buffer, buffer.count - 1)
        return n > 0 ? String(decoding: buffer[0..<n].map { UInt8(bitPattern: $0) }, as: UTF8.self) : nil
    }

    private static func contents(of fd: Int32, limit: Int = 1 << 20) -> [UInt8]? {
        guard fd >= 0 else { return nil }
        var result: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 65536)
        while result.count < limit {
            let n = chunk.withUnsafeMutableBytes { pread(fd, $0.baseAddress, min($0.count, limit - result.count), off_t(result.count)) }
            if n <= 0 { break }
            result += chunk[0..<n]
        }
        return result
    }
}
