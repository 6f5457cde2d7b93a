@testable import Execution
import Quiesce
import KexecCore
import RebootPlan
import LinuxSystem
import KrebootTestSupport
import Testing

/// The gate before each step: what it throws stops the run there and rolls back what was done before it.
@Suite struct ExecutorGateTests {
    typealias H = ExecutorHarness

    @Test func aGateThatThrowsBeforeTheIsolateStopsAfterTheLoadAndUnloads() {
        let h = H()
        var gated: [Int] = []
        let executor = Executor(parts: h.parts) { _ in } gate: { index, step throws(RunError) in
            gated.append(index)
            if step.action == .isolate { throw RunError(.interrupted, operation: "isolate", "interrupted") }
        }
        let error = #expect(throws: RunError.self) { try executor.run(H.fullPlan) }
        #expect(error?.code == .interrupted)
        #expect(error?.stepIndex == 1)
        #expect(error?.rolledBack == ["unload the kernel"])
        #expect(gated == [0, 1])
        #expect(h.loader.calls == [.load(H.image, crash: false), .unload(crash: false)])
        #expect(!h.services.calls.contains(.isolate("rescue.target")))
        #expect(h.mounts.calls.isEmpty)
    }

    @Test func anOpenGateRunsEveryStep() {
        let h = H()
        var gated: [Int] = []
        let executor = Executor(parts: h.parts) { _ in } gate: { index, _ in
            gated.append(index)
        }
        #expect(throws: Never.self) { try executor.run(H.fullPlan) }
        #expect(gated == Array(H.fullPlan.steps.indices))
        #expect(h.loader.calls.last == .exec)
    }
}
