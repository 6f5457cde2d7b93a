@testable import Execution
import Kdump
import KexecCore
import KrebootTestSupport
import Quiesce
import RebootPlan
import Synchronization
import Testing

/// A kdump test's marker: written to the kernel log after the quiesce, right before the panic, so whichever
/// service's saver keeps the crashed kernel's dmesg keeps it; never for a reboot.
@Suite struct ExecutorKdumpMarkerTests {
    /// A kernel log that notes, with each line, what the loader had been asked to do by then.
    final class OrderedKernelLog: KernelLogWriting {
        let loader: RecordingKexecLoader
        let state = Mutex<[(line: String, loaderCalls: [RecordingKexecLoader.Call])]>([])
        init(loader: RecordingKexecLoader) { self.loader = loader }
        func write(_ line: String) throws(KexecError) { state.withLock { $0.append((line, loader.calls)) } }
    }

    @Test func theMarkerIsWrittenRightBeforeThePanic() throws {
        let h = ExecutorHarness()
        let log = OrderedKernelLog(loader: h.loader)
        var parts = h.parts
        parts.kernelLog = log
        try Executor(parts: parts, kdumpTestID: "0d4e").run(ExecutorHarness.kdumpPlan)
        let written = log.state.withLock { $0 }
        #expect(written.map(\.line) == ["kreboot: kdump test 0d4e: crashing the kernel on purpose"])
        // The capture kernel was loaded and nothing had panicked yet when the marker went out.
        #expect(written.first?.loaderCalls == [.load(ExecutorHarness.image, crash: true)])
        #expect(h.loader.calls == [.load(ExecutorHarness.image, crash: true), .panic])
        // The quiesce was done by then: both data mounts unmounted and / read-only.
        #expect(h.mounts.calls.contains(.unmount("/srv/data")) && h.mounts.calls.contains(.remountReadOnly("/")))
    }

    @Test func aRebootAndATestWithoutIdWriteNoMarker() throws {
        let h = ExecutorHarness()
        let log = RecordingKernelLog()
        var parts = h.parts
        parts.kernelLog = log
        try Executor(parts: parts, kdumpTestID: "0d4e").run(ExecutorHarness.fullPlan)
        try Executor(parts: ExecutorHarness().parts).run(ExecutorHarness.kdumpPlan)
        #expect(log.lines.isEmpty)
    }

    @Test func aMarkerThatCannotBeWrittenIsJournaledAndThePanicStillHappens() throws {
        struct Refusing: KernelLogWriting {
            func write(_ line: String) throws(KexecError) {
                throw KexecError(.noPermission, operation: "kernel log", path: "/dev/kmsg", "/dev/kmsg: permission denied")
            }
        }
        let h = ExecutorHarness()
        var parts = h.parts
        parts.kernelLog = Refusing()
        try Executor(parts: parts, kdumpTestID: "0d4e").run(ExecutorHarness.kdumpPlan)
        #expect(h.loader.calls.last == .panic)
        #expect(h.journal.records.contains { $0.message.contains("kdump test marker not written: /dev/kmsg: permission denied") })
    }
}
