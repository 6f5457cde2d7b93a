import Synchronization
import SystemPackage

#if canImport(Glibc)
import Glibc
#endif

/// How a command ended: its exit status (or 128+signal) and what it wrote to stderr.
public struct SubprocessResult: Sendable, Equatable {
    public var status: Int32
    public var standardError: String
    /// A result with this status and stderr text.
    public init(status: Int32, standardError: String = "") {
        self.status = status
        self.standardError = standardError
    }
}

/// Runs a program from an argv array (never through a shell). Behind a protocol so tests record the argv.
public protocol SubprocessRunner: Sendable {
    /// Runs `argv[0]` with `argv`, with the descriptors in `descriptors` (child fd → parent fd) passed on.
    func run(_ argv: [String], descriptors: [Int32: Int32]) throws(KexecError) -> SubprocessResult
}

/// posix_spawn(3) with stdin from /dev/null, stdout to ours' stderr, stderr captured through a pipe.
public struct SpawnSubprocessRunner: SubprocessRunner {
    /// The real runner.
    public init() {}

    /// Spawns `argv[0]` (an absolute path), waits for it and returns its status and stderr.
    /// The corresponding C function is `posix_spawn`.
    public func run(_ argv: [String], descriptors: [Int32: Int32] = [:]) throws(KexecError) -> SubprocessResult {
        let program = argv[0]
        var pipeFDs: [Int32] = [-1, -1]
        guard pipe(&pipeFDs) == 0 else {
            throw KexecError(.failed, operation: "spawn", path: program, errno: Errno(rawValue: errno), "\(program): pipe: \(Errno(rawValue: errno))")
        }
        for fd in pipeFDs { _ = fcntl(fd, F_SETFD, FD_CLOEXEC) }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_adddup2(&actions, 2, 1)
        posix_spawn_file_actions_adddup2(&actions, pipeFDs[1], 2)
        for (child, parent) in descriptors.sorted(by: { $0.key < $1.key }) {
            posix_spawn_file_actions_adddup2(&actions, parent, child)
        }
        var cArgs: [UnsafeMutablePointer<CChar>?] = argv.map { strdup($0) } + [nil]
        defer { for p in cArgs { free(p) } }
        var pid: pid_t = 0
        let rc = posix_spawn(&pid, program, &actions, nil, &cArgs, environ)
        close(pipeFDs[1])
        guard rc == 0 else {
            close(pipeFDs[0])
            throw KexecError(.unavailable, operation: "spawn", path: program, errno: Errno(rawValue: rc),
                             "\(program): cannot run: \(Errno(rawValue: rc))")
        }
        var output: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 4096)
        while true {
            let n = chunk.withUnsafeMutableBytes { read(pipeFDs[0], $0.baseAddress, $0.count) }
            if n > 0 { output += chunk[0..<n]; continue }
            if n < 0 && errno == EINTR { continue }
            break
        }
        close(pipeFDs[0])
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
        let exited = status & 0x7F == 0
        let code = exited ? (status >> 8) & 0xFF : 128 + (status & 0x7F)
        return SubprocessResult(status: code, standardError: String(decoding: output, as: UTF8.self))
    }
}

/// A fake runner that records each argv and answers with scripted results. For tests.
public final class RecordingSubprocessRunner: SubprocessRunner {
    private let state = Mutex<(calls: [[String]], results: [SubprocessResult])>(([], []))

    /// A fake with no runs yet; every run succeeds until told otherwise.
    public init() {}

    /// Every argv run so far.
    public var calls: [[String]] { state.withLock { $0.calls } }

    /// The results of the next runs, in order; once used up, runs succeed with status 0.
    public func answer(_ result: SubprocessResult...) { state.withLock { $0.results += result } }

    /// Records `argv` and answers the next scripted result.
    public func run(_ argv: [String], descriptors: [Int32: Int32]) throws(KexecError) -> SubprocessResult {
        state.withLock { s in
            s.calls.append(argv)
            return s.results.isEmpty ? SubprocessResult(status: 0) : s.results.removeFirst()
        }
    }
}
