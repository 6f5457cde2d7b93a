import SystemPackage

#if canImport(Glibc)
import Glibc
#endif

/// posix_spawn(3) with stdin from /dev/null and stderr (and stdout, when captured) on one pipe,
/// read until EOF, then waitpid(2).
public struct SpawnSubprocessRunner: SubprocessRunner {
    /// The most output a result keeps: the last 256 KiB.
    public static let outputLimit = 256 << 10

    /// The runner for real subprocesses.
    public init() {}

    /// Spawns `argv[0]`, waits for it and returns its status and captured output.
    /// The corresponding C function is `posix_spawn`.
    public func run(_ argv: [String], options: SubprocessOptions) throws(SystemError) -> SubprocessResult {
        guard let program = argv.first else { throw SystemError(.unavailable, "empty argv") }
        var pipeFDs: [Int32] = [-1, -1]
        guard pipe(&pipeFDs) == 0 else {
            let err = Errno(rawValue: errno)
            throw SystemError(.failed, path: program, errno: err, "\(program): pipe: \(err)")
        }
        // Our copies must not leak into other children; the child gets the write end through dup2.
        for fd in pipeFDs { _ = fcntl(fd, F_SETFD, FD_CLOEXEC) }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_adddup2(&actions, options.capturesStandardOutput ? pipeFDs[1] : 2, 1)
        posix_spawn_file_actions_adddup2(&actions, pipeFDs[1], 2)
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        for (child, parent) in options.descriptors.sorted(by: { $0.key < $1.key }) {
            posix_spawn_file_actions_adddup2(&actions, parent, child)
        }
        var cArgs: [UnsafeMutablePointer<CChar>?] = argv.map { strdup($0) } + [nil]
        defer { for arg in cArgs { free(arg) } }
        var pid: pid_t = 0
        let spawned = posix_spawn(&pid, program, &actions, nil, &cArgs, environ)
        close(pipeFDs[1])
        guard spawned == 0 else {
            close(pipeFDs[0])
            throw SystemError(.unavailable, path: program, errno: Errno(rawValue: spawned),
                             "\(program): cannot run: \(Errno(rawValue: spawned))")
        }
        let output = readAll(pipeFDs[0], echo: options.echo)
        close(pipeFDs[0])
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
        let exit: Int32 = (status & 0x7f) == 0 ? (status >> 8) & 0xff : 128 + (status & 0x7f)
        return SubprocessResult(status: exit, output: String(decoding: output, as: UTF8.self))
    }

    /// Reads `fd` until EOF, keeping the last `outputLimit` bytes; with `echo`, copies each piece to our stderr.
    private func readAll(_ fd: Int32, echo: Bool) -> [UInt8] {
        var output: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 16384)
        while true {
            let n = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            if n < 0 && errno == EINTR { continue }
            if n <= 0 { break }
            output.append(contentsOf: buffer[0..<n])
            if output.count > Self.outputLimit { output.removeFirst(output.count - Self.outputLimit) }
            if echo { buffer.withUnsafeBytes { _ = write(2, $0.baseAddress, n) } }
        }
        return output
    }
}
