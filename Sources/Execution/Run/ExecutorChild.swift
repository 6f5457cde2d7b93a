import FoundationEssentials
import LinuxSystem

/// For a kreboot that systemd started directly (the main process of a service): runs the confirmed plan in a
/// child, `kreboot __execute --run-dir DIR`, which moves itself into its own scope, and waits for it. When the
/// isolate stops the service, this process goes with it and the child goes on.
struct ExecutorChild {
    let directory: RunDirectory
    var runner: any SubprocessRunner = SpawnSubprocessRunner()

    /// The child's exit status; 1 when it could not be started or was killed by a signal.
    func run() -> Int32 {
        let exe = (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? CommandLine.arguments[0]
        guard let result = try? runner.run([exe, "__execute", "--run-dir", directory.path], options: .inheritingStandardStreams),
              result.status < 128 else { return 1 }
        return result.status
    }
}
