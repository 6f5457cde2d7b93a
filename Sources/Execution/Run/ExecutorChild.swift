import FoundationEssentials
import Glibc

/// For a kreboot that systemd started directly (the main process of a service): runs the confirmed plan in a
/// child, `kreboot __execute --run-dir DIR`, which moves itself into its own scope, and waits for it. When the
/// isolate stops the service, this process goes with it and the child goes on.
struct ExecutorChild {
    let directory: RunDirectory

    /// The child's exit status (1 when it could not be started or did not exit normally).
    func run() -> Int32 {
        let exe = (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? CommandLine.arguments[0]
        let argv = [exe, "__execute", "--run-dir", directory.path]
        var cArgs = argv.map { strdup($0) } + [nil]
        defer { for arg in cArgs { free(arg) } }
        var pid: pid_t = 0
        guard posix_spawn(&pid, exe, nil, nil, &cArgs, environ) == 0 else { return 1 }
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0 {
            guard errno == EINTR else { return 1 }
        }
        // WIFEXITED / WEXITSTATUS, which Swift does not import.
        return status & 0x7f == 0 ? (status >> 8) & 0xff : 1
    }
}
