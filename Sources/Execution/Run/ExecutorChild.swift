import RebootPlan
import Quiesce
import KexecCore
import LinuxSystem
#if canImport(Glibc)
import Glibc
#endif
import FoundationEssentials

/// For a kreboot that systemd started directly (the main process of a service): runs the confirmed plan in a
/// child, `kreboot __execute --run-dir DIR`, which moves itself into its own scope, and waits for it. When the
/// isolate stops the service, this process goes with it and the child goes on.
struct ExecutorChild {
    let directory: RunDirectory

    func run() -> ExitStatus {
        let exe = (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? CommandLine.arguments[0]
        let argv = [exe, "__execute", "--run-dir", directory.path]
        var cArgs = argv.map { strdup($0) } + [nil]
        defer { for arg in cArgs { free(arg) } }
        var pid: pid_t = 0
        let spawned = posix_spawn(&pid, exe, nil, nil, &cArgs, environ)
        guard spawned == 0 else {
            Terminal.error("cannot start \(exe) __execute: \(String(cString: strerror(spawned)))")
            return .internalError
        }
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0 {
            guard errno == EINTR else { return .internalError }
        }
        // WIFEXITED / WEXITSTATUS, which Swift does not import.
        let exited = status & 0x7f == 0
        return exited ? ExitStatus(rawValue: (status >> 8) & 0xff) ?? .internalError : .internalError
    }
}
