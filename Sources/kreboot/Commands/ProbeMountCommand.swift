import ArgumentParser
import Glibc
import LinuxSystem

/// `kreboot __probe-mount PATH`: statvfs(3) (the statfs(2) syscall) and stat(2) of a network mount point, for the preflight probe
/// (`ChildProcessMountProbe`), which runs it as a child and kills it when the server does not answer in time.
/// Exit 0 when both answered; 1 with the error on stderr. Not for people.
struct ProbeMountCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "__probe-mount",
        abstract: "Look at a network mount point: statfs and stat (internal, run in a child with a timeout).",
        shouldDisplay: false)

    @Argument(help: "The mount point.")
    var path: String

    func run() throws {
        var fs = statvfs()
        if statvfs(path, &fs) != 0 {
            let err = errno
            Terminal.error("statvfs \(path): \(String(cString: strerror(err)))")
            throw ExitCode(1)
        }
        var st = stat()
        if stat(path, &st) != 0 {
            let err = errno
            Terminal.error("stat \(path): \(String(cString: strerror(err)))")
            throw ExitCode(1)
        }
        print("\(path): \(fs.f_blocks) blocks of \(fs.f_frsize) bytes, \(fs.f_bavail) free")
    }
}
