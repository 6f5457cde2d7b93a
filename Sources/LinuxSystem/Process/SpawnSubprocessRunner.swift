import SystemPackage

#if canImport(Glibc)
import Glibc
#endif

/// posix_spawn(3), then waitpid(2): the one place kreboot starts a program. By default stdin is /dev/null and
/// stderr (and stdout, when captured) go to one pipe, read until EOF; with `inheritsStandardStreams` the child
/// gets our stdin, stdout and stderr and nothing is read.
public struct SpawnSubprocessRunner: SubprocessRunner {
    /// The most output a result keeps: the last 256 KiB.
    public static let outputLimit = 256 << 10

    /// The runner for real subprocesses.
    public init() {}

    /// Spawns `argv[0]`, waits for it and returns its status and captured output.
    /// The corresponding C function is `posix_spawn`.
    public func run(_ argv: [String], options: SubprocessOptions) throws(SystemError) -> SubprocessResult {
        guard let program = argv.first else { throw SystemError(.unavailable, "empty argv") }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        if options.inheritsStandardStreams {
            addDescriptors(options, to: &actions)
            let pid = try spawn(program, argv, &actions)
            return SubprocessResult(status: try Self.wait(pid, program))
        }
        var pipeFDs: [Int32] = [-1, -1]
        guard pipe(&pipeFDs) == 0 else {
            let err = Errno(rawValue: errno)
            throw SystemError(.failed, path: program, errno: err, "\(program): pipe: \(err)")
        }
        // Our copies must not leak into other children; the child gets the write end through dup2.
        for fd in pipeFDs { _ = fcntl(fd, F_SETFD, FD_CLOEXEC) }
        posix_spawn_file_actions_adddup2(&actions, options.capturesStandardOutput ? pipeFDs[1] : 2, 1)
        posix_spawn_file_actions_adddup2(&actions, pipeFDs[1], 2)
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        addDescriptors(options, to: &actions)
        let pid: pid_t
        do {
            defer { close(pipeFDs[1]) }
            pid = try spawn(program, argv, &actions)
        } catch {
            close(pipeFDs[0])
            throw error
        }
        let output = readAll(pipeFDs[0], echo: options.echo)
        close(pipeFDs[0])
        return SubprocessResult(status: try Self.wait(pid, program), output: String(decoding: output, as: UTF8.self))
    }

    /// The extra descriptors of `options`, dup2'ed in the child in a fixed order.
    private func addDescriptors(_ options: SubprocessOptions, to actions: inout posix_spawn_file_actions_t) {
        for (child, parent) in options.descriptors.sorted(by: { $0.key < $1.key }) {
            posix_spawn_file_actions_adddup2(&actions, parent, child)
        }
    }

    /// posix_spawn with our environment; throws `.unavailable` naming the program when it cannot start.
    private func spawn(_ program: String, _ argv: [String],
                       _ actions: inout posix_spawn_file_actions_t) throws(SystemError) -> pid_t {
        var cArgs: [UnsafeMutablePointer<CChar>?] = argv.map { strdup($0) } + [nil]
        defer { for arg in cArgs { free(arg) } }
        var pid: pid_t = 0
        let spawned = posix_spawn(&pid, program, &actions, nil, &cArgs, environ)
        guard spawned == 0 else {
            throw SystemError(.unavailable, path: program, errno: Errno(rawValue: spawned),
                              "\(program): cannot run: \(Errno(rawValue: spawned))")
        }
        return pid
    }

    /// Waits for `pid` (retrying EINTR) and decodes its wait status: the exit status, or 128 + N when signal
    /// N killed it (WIFEXITED/WEXITSTATUS/WTERMSIG, which Swift does not import).
    /// The corresponding C function is `waitpid`.
    static func wait(_ pid: pid_t, _ program: String) throws(SystemError) -> Int32 {
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0 {
            let err = Errno(rawValue: errno)
            guard err == .interrupted else {
                throw SystemError(.failed, path: program, errno: err, "\(program): waitpid: \(err)")
            }
        }
        return (status & 0x7f) == 0 ? (status >> 8) & 0xff : 128 + (status & 0x7f)
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
