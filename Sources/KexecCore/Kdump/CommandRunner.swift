import RebootPlan

#if canImport(Glibc)
import Glibc
#endif

/// What a finished subprocess left: its exit status and its output (stdout and stderr together).
public struct CommandResult: Sendable, Equatable {
    /// The exit status; 128 + N when killed by signal N; 127 when it could not be started.
    public var status: Int32
    /// stdout and stderr, interleaved, at most the last 256 KiB.
    public var output: String

    public init(status: Int32, output: String) {
        self.status = status
        self.output = output
    }

    /// The last meaningful output line: makedumpfile's reason when it fails (its closing
    /// "makedumpfile Failed." line skipped).
    public var lastLine: String? {
        let lines = output.split(whereSeparator: { $0 == "\n" || $0 == "\r" }).map { $0.trimmingWhitespace() }
            .filter { !$0.isEmpty }
        return lines.last { $0 != "makedumpfile Failed." } ?? lines.last
    }
}

/// Runs a program with an argv array — never through a shell. The real one spawns it; tests pass fakes.
public protocol CommandRunner: Sendable {
    /// Runs `argv[0]` with `argv`, waits for it, and returns its status and output. With `echo`, the
    /// output is also copied to our stderr as it comes (progress on the capture kernel's console).
    func run(_ argv: [String], echo: Bool) -> CommandResult
}

/// posix_spawn(2) with stdout and stderr on one pipe, read until EOF, then waitpid(2).
public struct SpawnCommandRunner: CommandRunner {
    /// The runner for real subprocesses.
    public init() {}

    public func run(_ argv: [String], echo: Bool) -> CommandResult {
        guard let program = argv.first else { return CommandResult(status: 127, output: "empty argv") }
        var fds: [Int32] = [0, 0]
        guard pipe(&fds) == 0 else {
            return CommandResult(status: 127, output: "pipe: \(String(cString: strerror(errno)))")
        }
        // Our copies must not leak into other children; the child gets them through dup2.
        _ = fcntl(fds[0], F_SETFD, FD_CLOEXEC)
        _ = fcntl(fds[1], F_SETFD, FD_CLOEXEC)
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_adddup2(&actions, fds[1], 1)
        posix_spawn_file_actions_adddup2(&actions, fds[1], 2)
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)

        var cArgs: [UnsafeMutablePointer<CChar>?] = argv.map { strdup($0) } + [nil]
        defer { for arg in cArgs { free(arg) } }
        var pid: pid_t = 0
        let spawned = posix_spawn(&pid, program, &actions, nil, &cArgs, environ)
        close(fds[1])
        guard spawned == 0 else {
            close(fds[0])
            return CommandResult(status: 127, output: "\(program): cannot run: \(String(cString: strerror(spawned)))")
        }
        var output: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 16384)
        while true {
            let n = buffer.withUnsafeMutableBytes { read(fds[0], $0.baseAddress, $0.count) }
            if n < 0 && errno == EINTR { continue }
            if n <= 0 { break }
            output.append(contentsOf: buffer[0..<n])
            if output.count > 256 << 10 { output.removeFirst(output.count - (256 << 10)) }
            if echo { buffer.withUnsafeBytes { _ = write(2, $0.baseAddress, n) } }
        }
        close(fds[0])
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
        let exit: Int32 = (status & 0x7f) == 0 ? (status >> 8) & 0xff : 128 + (status & 0x7f)
        return CommandResult(status: exit, output: String(decoding: output, as: UTF8.self))
    }
}
