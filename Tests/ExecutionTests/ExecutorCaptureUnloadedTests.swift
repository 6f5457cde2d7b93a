@testable import Execution
import KexecCore
import KrebootTestSupport
import Quiesce
import RebootPlan
import Testing

/// A kdump test's panic only when a capture kernel is still loaded: a kdump service stopped by the isolate
/// (kdump-tools.service, kreboot-kdump.service without IgnoreOnIsolate) unloads it, and a panic then would hang
/// the machine with nothing saved. Found on the server guest: the run rolls back instead, saying why.
@Suite struct ExecutorCaptureUnloadedTests {
    typealias H = ExecutorHarness

    func run(crashKernelLoaded: Bool?, kdumpTestID: String? = "0d4e") -> (H, RunError?, RecordingKernelLog) {
        let h = H()
        let log = RecordingKernelLog()
        var parts = h.parts
        parts.kernelLog = log
        parts.crashKernelLoaded = { crashKernelLoaded }
        do throws(RunError) {
            try Executor(parts: parts, kdumpTestID: kdumpTestID).run(H.kdumpPlan)
            return (h, nil, log)
        } catch {
            return (h, error, log)
        }
    }

    @Test func anUnloadedCaptureKernelIsNotPanickedIntoButRolledBack() {
        let (h, error, log) = run(crashKernelLoaded: false)
        #expect(error?.code == .unavailable)
        #expect(error?.step == .panic)
        #expect(error?.message.contains("kexec_crash_loaded is 0") == true)
        #expect(error?.message.contains("IgnoreOnIsolate=yes") == true)
        #expect(!h.loader.calls.contains(.panic))
        #expect(log.lines.isEmpty, "no marker for a panic that does not happen")
        // Rolled back: / writable again, the data mounts back, the default target started again.
        #expect(h.mounts.calls.contains(.remountReadWrite("/")))
        #expect(h.mounts.calls.contains { if case .mountAgain(let m) = $0 { m.target == "/srv/data" } else { false } })
        #expect(h.services.calls.last == .isolate("graphical.target"))
    }

    @Test func aLoadedOrUnknownCaptureKernelIsPanickedInto() {
        for loaded in [true, nil] as [Bool?] {
            let (h, error, log) = run(crashKernelLoaded: loaded)
            #expect(error == nil)
            #expect(h.loader.calls.last == .panic)
            #expect(log.lines == ["kreboot: kdump test 0d4e: crashing the kernel on purpose"])
        }
    }

    @Test func aRebootDoesNotAsk() throws {
        let h = H()
        var parts = h.parts
        parts.crashKernelLoaded = { false }
        try Executor(parts: parts).run(H.fullPlan)
        #expect(h.loader.calls.last == .exec)
    }
}
