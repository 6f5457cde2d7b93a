@testable import KexecCore
import LinuxSystem
import KrebootTestSupport
import Testing
import SystemPackage

#if canImport(Glibc)
import Glibc
#endif

@Suite final class FallbackKexecLoaderTests {
    let dir: String
    let kernel: String
    let image: KexecImage

    init() throws {
        dir = try KexecTestFiles.directory()
        kernel = try KexecTestFiles.file("vmlinuz", [1, 2, 3], in: dir)
        image = KexecImage(kernel: kernel, commandLine: "root=/dev/vda1 ro")
    }

    deinit { KexecTestFiles.remove(dir) }

    private func loader(_ syscalls: RecordingKexecSyscalls, _ runner: RecordingSubprocessRunner,
                        lockdown: LockdownMode? = LockdownMode.none) -> FallbackKexecLoader {
        FallbackKexecLoader(primary: FileSyscallLoader(syscalls: syscalls, lockdown: lockdown),
                            fallback: KexecToolsLoader(executable: "/usr/sbin/kexec", runner: runner), lockdown: lockdown)
    }

    @Test(arguments: [ENOSYS, EOPNOTSUPP, ENOEXEC, EINVAL])
    func fallsBackToKexecTools(_ value: Int32) throws {
        let syscalls = RecordingKexecSyscalls()
        syscalls.answerFileLoad(Errno(rawValue: value))
        let runner = RecordingSubprocessRunner()
        let method = try loader(syscalls, runner).loadReportingMethod(image, crash: false)
        #expect(method == .kexecTools)
        #expect(runner.calls == [["/usr/sbin/kexec", "-c", "-l", kernel, "--command-line=root=/dev/vda1 ro"]])
    }

    @Test(arguments: [ENODATA, EKEYREJECTED, ENOKEY, EBADMSG, ELIBBAD, EPERM, EACCES, ENOMEM, EBUSY])
    func neverFallsBackAfter(_ value: Int32) {
        let syscalls = RecordingKexecSyscalls()
        syscalls.answerFileLoad(Errno(rawValue: value))
        let runner = RecordingSubprocessRunner()
        #expect(throws: KexecError.self) { try loader(syscalls, runner).load(image, crash: false) }
        #expect(runner.calls.isEmpty)
    }

    /// Under lockdown each refusal is exit 69 naming the file and the kernel's reason, and kexec-tools (kexec_load)
    /// is never run, for the kernel and for the capture kernel alike.
    @Test(arguments: [(EPERM, "refused by kernel lockdown"), (ENODATA, "kernel signature missing or not verifiable"),
                      (EKEYREJECTED, "signature rejected, bad or tampered"), (ENOKEY, "signed by a key the kernel does not trust"),
                      (EACCES, "refused by IMA/Secure Boot policy")])
    func lockdownRefusalsAreUnavailableNamingTheFileAndNeverFallBack(_ value: Int32, _ phrase: String) {
        for crash in [false, true] {
            let syscalls = RecordingKexecSyscalls()
            syscalls.answerFileLoad(Errno(rawValue: value))
            let runner = RecordingSubprocessRunner()
            // The fallback is offered as if lockdown were unknown to the chain: the errno alone must stop it.
            let chain = FallbackKexecLoader(primary: FileSyscallLoader(syscalls: syscalls, lockdown: .integrity),
                                            fallback: KexecToolsLoader(executable: "/usr/sbin/kexec", runner: runner), lockdown: nil)
            let error = #expect(throws: KexecError.self) { try chain.load(image, crash: crash) }
            #expect(error?.code == .unavailable)
            #expect(error?.path == kernel)
            #expect(error?.message.hasPrefix("\(kernel): \(crash ? "crash load" : "load"): ") == true)
            #expect(error?.message.contains(phrase) == true, "\(error?.message ?? "")")
            #expect(runner.calls.isEmpty)
        }
    }

    @Test(arguments: [ENOSYS, ENOEXEC, EPERM])
    func noFallbackUnderLockdown(_ value: Int32) {
        let syscalls = RecordingKexecSyscalls()
        syscalls.answerFileLoad(Errno(rawValue: value))
        let runner = RecordingSubprocessRunner()
        let fallback = loader(syscalls, runner, lockdown: .integrity)
        #expect(fallback.fallback == nil)
        #expect(throws: KexecError.self) { try fallback.load(image, crash: false) }
        #expect(runner.calls.isEmpty)
    }

    @Test func successDoesNotRunKexecTools() throws {
        let runner = RecordingSubprocessRunner()
        #expect(try loader(RecordingKexecSyscalls(), runner).loadReportingMethod(image, crash: true) == .fileSyscall)
        #expect(runner.calls.isEmpty)
    }

    @Test func bothFailingSaysBoth() throws {
        let syscalls = RecordingKexecSyscalls()
        syscalls.answerFileLoad(.noFunction)
        let runner = RecordingSubprocessRunner()
        runner.answer(SubprocessResult(status: 255, output: "Cannot determine the file type of \(kernel)\n"))
        let error = try #require(throws: KexecError.self) { try loader(syscalls, runner).load(image, crash: false) }
        #expect(error.code == .badImage)
        #expect(error.message.contains("(ENOSYS); the kexec-tools fallback failed too"))
        #expect(error.message.hasSuffix("Cannot determine the file type of \(kernel)"))
    }

    @Test func unloadFallsBackOnENOSYS() throws {
        let syscalls = RecordingKexecSyscalls()
        syscalls.answerFileLoad(.noFunction, .noFunction)
        let runner = RecordingSubprocessRunner()
        let l = loader(syscalls, runner)
        try l.unload(crash: false)
        try l.unload(crash: true)
        #expect(runner.calls == [["/usr/sbin/kexec", "-c", "-u"], ["/usr/sbin/kexec", "-c", "-p", "-u"]])
    }
}
