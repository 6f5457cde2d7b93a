@testable import Execution
import Quiesce
import KexecCore
import RebootPlan
import LinuxSystem
import KrebootTestSupport
import FoundationEssentials
import Glibc
import Testing
import SystemPackage

/// A run whose kernel the kernel refuses under Secure Boot and lockdown: the load step fails with the kernel's
/// reason and the file, nothing is stopped, nothing is unloaded (nothing was loaded), kexec-tools (kexec_load) is
/// never run and there is no reboot of any kind.
@Suite struct ExecutorLockdownRefusalTests {
    @Test(arguments: [EPERM, ENODATA, EKEYREJECTED, ENOKEY, EACCES])
    func aRefusedLoadStopsTheRunBeforeAnythingIsTouched(_ value: Int32) throws {
        let kernel = FileManager.default.temporaryDirectory.path + "/kreboot-vmlinuz-\(getpid())-\(value)"
        _ = FileManager.default.createFile(atPath: kernel, contents: Data([1, 2, 3]))
        defer { unlink(kernel) }
        let syscalls = RecordingKexecSyscalls()
        syscalls.answerFileLoad(Errno(rawValue: value))
        let runner = RecordingSubprocessRunner()
        let loader = FallbackKexecLoader(primary: FileSyscallLoader(syscalls: syscalls, lockdown: .integrity),
                                         fallback: KexecToolsLoader(executable: "/usr/sbin/kexec", runner: runner), lockdown: .integrity)
        let h = ExecutorHarness()
        var parts = h.parts
        parts.loader = loader
        var plan = ExecutorHarness.fullPlan
        let image = KexecImage(kernel: kernel, commandLine: "root=/dev/vda1 ro")
        plan.steps[0] = .load(image)
        let error: RunError? = {
            do throws(RunError) { try Executor(parts: parts) { _ in }.run(plan); return nil } catch { return error }
        }()
        #expect(error?.code == .loadFailed)
        #expect(error?.kexec?.code == .unavailable)
        #expect(error?.path == kernel)
        #expect(error?.message.hasPrefix("\(kernel): load: ") == true)
        #expect(error?.rolledBack == [])
        #expect(h.services.calls.isEmpty)
        #expect(h.mounts.calls.isEmpty)
        #expect(runner.calls.isEmpty)
        #expect(syscalls.calls.count == 1)
    }
}
