@testable import KexecCore
import LinuxSystem
import KrebootTestSupport
import Testing

@Suite struct RecordingKexecLoaderTests {
    @Test func recordsCallsAndInjectsFailures() throws {
        let loader = RecordingKexecLoader()
        let image = KexecImage(kernel: "/boot/vmlinuz", commandLine: "ro")
        try loader.load(image, crash: false)
        loader.fail("exec", with: KexecError(.failed, operation: "exec", "boom"))
        #expect(throws: KexecError.self) { try loader.exec() }
        #expect(loader.calls == [.load(image, crash: false), .exec])
    }
}
