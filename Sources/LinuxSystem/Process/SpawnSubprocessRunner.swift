import SystemPackage

#if canImport(Glibc)
import Glibc
#endif

/// posix_spawn(3), then waitpid(2): the one place kreboot starts a program. By default stdin is /dev/null and
/// stderr (and stdout, when captured) go to one pipe, read until EOF; with `inheritsStandardStreams` the child
/// gets our stdin, stdout and stderr and nothing is read. With a `timeout` (captured output only), a child still
/// running when it is up is killed with SIGKILL and reaped if it can be within a second (one blocked in the kernel
/// may not die at once; it is then left to exit on its own).
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
        let deadline = options.timeout.map { ContinuousClock.now + $0 }
        let (output, expired) = readAll(pipeFDs[0], echo: options.echo, until: deadline)
        close(pipeFDs[0])
        let text = String(decoding: output, as: UTF8.self)
        if let deadline {
            if !expired, let status = try Self.reap(pid, program, until: deadline) {
                return SubprocessResult(status: status, output: text)
            }
            kill(pid, SIGKILL)
            let status = try Self.reap(pid, program, until: .now + .seconds(1))
            return SubprocessResult(status: status ?? 128 + SIGKILL, output: text, timedOut: true)
        }
        return SubprocessResult(status: try Self.wait(pid, program), output: text)
    }

    /// Waits for `pid` until `deadline` (polling every 10 ms); nil if it is still running then.
    /// The corresponding C function is `waitpid` with `WNOHANG`.
    static func reap(_ pid: pid_t, _ program: String, until deadline: ContinuousClock.Instant) throws(SystemError) -> Int32? {
        while true {
            var status: Int32 = 0
            let reaped = waitpid(pid, &status, WNOHANG)
            if reaped == pid { return decode(status) }
            if reaped < 0 {
                let err = Errno(rawValue: errno)
                guard err == .interrupted else {
                    throw SystemError(.failed, path: program, errno: err, "\(program): waitpid: \(err)")
                }
                continue
            }
            if ContinuousClock.now >= deadline { return nil }
            usleep(10_000)
        }
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
        return decode(status)
    }

    /// The exit status in a wait status, or 128 + N when signal N killed the child.
    static func decode(_ status: Int32) -> Int32 {
        (status & 0x7f) == 0 ? (status >> 8) & 0xff : 128 + (status & 0x7f)
    }

    /// Reads `fd` until EOF (or until `deadline`: then `expired` is true), keeping the last `outputLimit` bytes;
    /// with `echo`, copies each piece to our stderr.
    private func readAll(_ fd: Int32, echo: Bool, until deadline: ContinuousClock.Instant? = nil) -> (output: [UInt8], expired: Bool) {
        var output: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 16384)
        while true {
            if let deadline {
                let left = deadline - ContinuousClock.now
                if left <= .zero { return (output, true) }
                let (seconds, attoseconds) = left.components
                let milliseconds = Int32(clamping: seconds * 1000 + attoseconds / 1_000_000_000_000_000 + 1)
                var poller = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
                let ready = poll(&poller, 1, milliseconds)
                if ready < 0 && errno == EINTR { continue }
                if ready == 0 { continue }
            }
            let n = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            if n < 0 && errno == EINTR { continue }
            if n <= 0 { break }
            output.append(contentsOf: buffer[0..<n])
            if output.count > Self.outputLimit { output.removeFirst(output.count - Self.outputLimit) }
            if echo { buffer.withUnsafeBytes { _ = write(2, $0.baseAddress, n) } }
        }
        return (output, false)
    }
}
