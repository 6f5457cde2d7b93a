import LinuxSystem
import Kdump
import RebootPlan
import KexecCore
import Quiesce
import Execution
#if canImport(Glibc)
import Glibc
#endif

/// The arguments kreboot gets when the kernel starts it as init (the capture kernel's `init=… -- save-dump …`).
///
/// Two things differ from a normal start. Swift reads its arguments from /proc/self/cmdline on Linux, and
/// /proc is not mounted yet, so they come out empty: `kernelArguments()` mounts /proc and reads them.
/// And the kernel hands init every command-line parameter it did not recognise (`nokaslr` …) before the
/// words after `--`, so `kreboot nokaslr save-dump --mount /dev/sdb1` must still mean
/// `kreboot save-dump --mount /dev/sdb1`: `clean` drops what comes before the subcommand.
enum InitArguments {
    /// As PID 1: everything before the first subcommand name is the kernel's, and dropped.
    /// Otherwise the arguments are returned unchanged.
    static func clean(_ arguments: [String], isPID1: Bool, subcommands: [String]) -> [String] {
        guard isPID1, let first = arguments.firstIndex(where: { subcommands.contains($0) }) else { return arguments }
        return Array(arguments[first...])
    }

    /// This process's arguments (without argv[0]) from /proc/self/cmdline, mounting /proc first when it is
    /// not mounted (as init). nil when they cannot be read.
    static func kernelArguments() -> [String]? {
        if access("/proc/self", F_OK) != 0 {
            mkdir("/proc", 0o555)
            guard mount("proc", "/proc", "proc", 0, nil) == 0 else { return nil }
        }
        // Through the gateway: non-blocking, checked, capped (an argument list is at most a few MiB).
        guard let bytes = (try? RootDirectory().readFile("/proc/self/cmdline", limit: .kernelFile)) ?? nil else { return nil }
        let words = bytes.split(separator: 0, omittingEmptySubsequences: false).map { String(decoding: $0, as: UTF8.self) }
        let trimmed = words.last == "" ? Array(words.dropLast()) : words
        return Array(trimmed.dropFirst())
    }
}
