import Foundation
import LinuxSystem
import Testing

/// The one posix_spawn wrapper: captured output (stdin from /dev/null), inherited standard streams (nothing
/// captured, the child sees our stdin, stdout and stderr), exit and signal statuses.
@Suite struct SpawnSubprocessRunnerTests {
    /// What this process's descriptor `fd` refers to.
    static func link(_ fd: Int32) -> String? {
        try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/fd/\(fd)")
    }

    /// Runs `sh` so that it writes what its fds 0, 1 and 2 refer to into a file; returns the three lines and the result.
    static func childStreams(_ options: SubprocessOptions) throws -> (links: [String], result: SubprocessResult) {
        let file = FileManager.default.temporaryDirectory.path + "/kreboot-spawn-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        defer { unlink(file) }
        // readlink runs in a command substitution, so the shell's own descriptors are unchanged while it looks.
        let script = #"exec 9>"$1"; for fd in 0 1 2; do link=$(readlink /proc/$$/fd/$fd); echo "$link" >&9; done; "#
            + "echo to-stdout; echo to-stderr >&2"
        let result = try SpawnSubprocessRunner().run(["/bin/sh", "-c", script, "sh", file], options: options)
        let text = try String(contentsOfFile: file, encoding: .utf8)
        return (text.split(separator: "\n").map(String.init), result)
    }

    @Test func aChildThatInheritsTheStandardStreamsSeesOursAndNothingIsCaptured() throws {
        let (links, result) = try Self.childStreams(.inheritingStandardStreams)
        #expect(result.status == 0)
        #expect(result.output.isEmpty)
        #expect(links == [Self.link(0), Self.link(1), Self.link(2)].compactMap { $0 })
    }

    @Test func byDefaultStdinIsDevNullAndBothOutputStreamsAreCaptured() throws {
        let (links, result) = try Self.childStreams(SubprocessOptions())
        #expect(links.first == "/dev/null")
        #expect(links.count == 3 && links[1] == links[2] && links[1].hasPrefix("pipe:"))
        #expect(result.output == "to-stdout\nto-stderr\n")
    }

    @Test func exitStatusesAndSignalsAreDecodedTheSameWayInBothModes() throws {
        for options in [SubprocessOptions(), .inheritingStandardStreams] {
            #expect(try SpawnSubprocessRunner().run(["/bin/sh", "-c", "exit 3"], options: options).status == 3)
            #expect(try SpawnSubprocessRunner().run(["/bin/sh", "-c", "kill -KILL $$"], options: options).status == 128 + 9)
        }
    }

    @Test func inheritedStreamsStillPassExtraDescriptors() throws {
        let pipe = Pipe()
        var options = SubprocessOptions.inheritingStandardStreams
        options.descriptors = [3: pipe.fileHandleForWriting.fileDescriptor]
        let result = try SpawnSubprocessRunner().run(["/bin/sh", "-c", "echo via-fd-3 >&3"], options: options)
        try pipe.fileHandleForWriting.close()
        #expect(result.status == 0)
        #expect(String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self) == "via-fd-3\n")
    }

    @Test func aMissingProgramIsUnavailableInBothModes() {
        for options in [SubprocessOptions(), .inheritingStandardStreams] {
            let error = #expect(throws: SystemError.self) { try SpawnSubprocessRunner().run(["/nonexistent/kreboot-x"], options: options) }
            #expect(error?.code == .unavailable)
            #expect(error?.path == "/nonexistent/kreboot-x")
        }
    }
}
