@testable import Quiesce
import LinuxSystem
import KrebootTestSupport
import Testing

@Suite struct InhibitorTests {
    @Test func onlyBlockingShutdownLocksMatter() {
        #expect(Inhibitor(what: "shutdown:sleep", who: "a", why: "b", mode: "block").blocksShutdown)
        #expect(!Inhibitor(what: "shutdown", who: "a", why: "b", mode: "delay").blocksShutdown)
        #expect(!Inhibitor(what: "sleep:idle", who: "a", why: "b", mode: "block").blocksShutdown)
    }
}
