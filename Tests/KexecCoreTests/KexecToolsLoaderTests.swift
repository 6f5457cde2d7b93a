@testable import KexecCore
import LinuxSystem
import KrebootTestSupport
import Testing
import SystemPackage
#if canImport(Glibc)
import Glibc
#endif

@Suite struct KexecToolsLoaderTests {
    @Test func loadArguments() throws {
        let runner = RecordingSubprocessRunner()
        let tools = KexecToolsLoader(executable: "/sbin/kexec", runner: runner)
        try tools.load(KexecImage(kernel: "/boot/vmlinuz", initrds: ["/boot/initrd.img"], commandLine: "root=/dev/vda1 ro quiet"), crash: true)
        #expect(runner.calls == [["/sbin/kexec", "-c", "-p", "/boot/vmlinuz", "--initrd=/boot/initrd.img", "--command-line=root=/dev/vda1 ro quiet"]])
    }

    @Test func severalInitrdsGoThroughFd3() throws {
        let dir = try KexecTestFiles.directory()
        defer { KexecTestFiles.remove(dir) }
        let a = try KexecTestFiles.file("a.img", [1], in: dir)
        let b = try KexecTestFiles.file("b.img", [2], in: dir)
        let runner = RecordingSubprocessRunner()
        try KexecToolsLoader(executable: "/sbin/kexec", runner: runner)
            .load(KexecImage(kernel: "/boot/vmlinuz", initrds: [a, b], commandLine: "ro"), crash: false)
        #expect(runner.calls.first?.contains("--initrd=/proc/self/fd/3") == true)
    }

    @Test func failureCarriesStderr() throws {
        let runner = RecordingSubprocessRunner()
        runner.answer(SubprocessResult(status: 1, output: "kexec_load failed: Operation not permitted\n"))
        let error = try #require(throws: KexecError.self) {
            try KexecToolsLoader(executable: "/sbin/kexec", runner: runner).unload(crash: false)
        }
        #expect(error.code == .noPermission)
        #expect(error.message == "/sbin/kexec -c -u failed (exit 1): kexec_load failed: Operation not permitted")
    }

    @Test func spawnRunnerPassesDescriptorsAndCapturesStderr() throws {
        let dir = try KexecTestFiles.directory()
        defer { KexecTestFiles.remove(dir) }
        let a = try KexecTestFiles.file("a.img", "one", in: dir)
        let b = try KexecTestFiles.file("b.img", "four", in: dir)
        let bundle = try InitrdBundle(paths: [a, b])
        #expect(bundle.size == 8)
        let result = try SpawnSubprocessRunner().run(["/bin/sh", "-c", "cat /proc/self/fd/3 >&2; exit 3"],
                                                      options: SubprocessOptions(descriptors: [3: bundle.fd.rawValue], capturesStandardOutput: false))
        #expect(result.status == 3)
        #expect(Array(result.output.utf8) == Array("one".utf8) + [0] + Array("four".utf8))
    }

    @Test func missingProgramIsUnavailable() {
        #expect {
            try SpawnSubprocessRunner().run(["/nonexistent/kexec", "-u"], options: SubprocessOptions())
        } throws: { ($0 as? SystemError)?.code == .unavailable && ($0 as? SystemError)?.path == "/nonexistent/kexec" }
    }
}

/// The kernel and initrds are opened through the gateway: a FIFO or a directory is refused before any read.
@Suite struct InitrdGatewayTests {
    @Test func aFIFOInitrdIsRefusedAtOnce() throws {
        let dir = try KexecTestFiles.directory()
        defer { KexecTestFiles.remove(dir) }
        let fifo = dir + "/initrd.img"
        #expect(mkfifo(fifo, 0o600) == 0)
        let error = #expect(throws: KexecError.self) { _ = try InitrdBundle(paths: [fifo]) }
        #expect(error?.message == "\(fifo): is a FIFO, not a regular file (the initrd)")
        #expect(error?.code == .badImage)
        let missing = #expect(throws: KexecError.self) { _ = try InitrdBundle(paths: [dir + "/none"]) }
        #expect(missing?.message == "\(dir)/none: cannot open initrd: no such file")
    }
}
