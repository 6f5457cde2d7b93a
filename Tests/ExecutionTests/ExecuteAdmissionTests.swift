@testable import Execution
import KexecCore
import RebootPlan
import LinuxSystem
import KrebootTestSupport
import Foundation
import Testing

/// `__execute` accepts only a run directory kreboot created in this boot, and acts only when the plan made
/// again now passes and has the confirmed steps.
@Suite final class ExecuteAdmissionTests {
    typealias H = ExecutorHarness
    let base = FileManager.default.temporaryDirectory.path + "/kreboot-admit-\(UUID().uuidString)/runs"
    let options = PlanOptions(kernel: H.image.kernel)
    lazy var check = RunDirectoryCheck(base: base, bootTime: Int64(Date().timeIntervalSince1970) - 60, bootID: "boot-a")

    deinit { try? FileManager.default.removeItem(atPath: RecordWriter.parent(of: base)) }

    /// A run directory as RunPipeline makes one, with a request written in boot `bootID`.
    func made(bootID: String? = "boot-a", options: PlanOptions?? = nil) throws -> RunDirectory {
        let directory = try RunDirectory.create(base: base)
        try directory.write(RunRequest(plan: H.fullPlan, options: options ?? self.options, bootID: bootID))
        return directory
    }

    func admit(_ path: String, replan: RebootPlan = H.fullPlan) -> ExecuteAdmission.Refusal? {
        switch ExecuteAdmission.admit(path, check: check, replan: { _ in replan }) {
        case .success: return nil
        case .failure(let refusal): return refusal
        }
    }

    @Test func aDirectoryKrebootMadeInThisBootIsAccepted() throws {
        let directory = try made()
        var st = stat()
        #expect(stat(directory.path, &st) == 0 && st.st_mode & 0o7777 == 0o700)
        #expect(admit(directory.path) == nil)
        let (accepted, request) = try check.accept(directory.path)
        #expect(accepted.path == directory.path)
        #expect(request.options == options)
    }

    @Test func directoriesKrebootDidNotMakeAreRefusedNamingWhy() throws {
        let directory = try made()
        func why(_ path: String) -> String? { admit(path)?.message }
        #expect(why("runs/x")?.hasSuffix("not an absolute path") == true)
        #expect(why(base + "/../runs/" + directory.id)?.contains("not a plain path") == true)
        let elsewhere = RecordWriter.parent(of: base) + "/other"
        try FileManager.default.createDirectory(atPath: elsewhere, withIntermediateDirectories: true)
        #expect(why(elsewhere)?.hasSuffix("not directly under \(base)") == true)
        // A symlink in the runs directory to a real run directory.
        _ = symlink(directory.path, base + "/link")
        #expect(why(base + "/link")?.hasSuffix("a symlink or not a directory") == true)
        // Mode 0755.
        _ = chmod(directory.path, 0o755)
        #expect(why(directory.path)?.hasSuffix("mode 755, not 700") == true)
        _ = chmod(directory.path, 0o700)
        // Another owner (we check for a uid that is not ours).
        var other = check
        other.owner = check.owner &+ 1
        guard case .failure(.directory(let error)) = ExecuteAdmission.admit(directory.path, check: other, replan: { _ in H.fullPlan }) else {
            Issue.record("accepted another owner's directory"); return
        }
        #expect(error.message.contains("is not ours alone") || error.message.contains("owned by uid"))
        #expect(error.code == .noPermission)
    }

    @Test func aDirectoryFromBeforeThisBootOrAnotherBootsRequestIsRefused() throws {
        let directory = try made()
        check.bootTime = Int64(Date().timeIntervalSince1970) + 3600
        #expect(admit(directory.path)?.message.hasSuffix("created before this boot") == true)
        check.bootTime = nil
        #expect(admit(directory.path)?.message.contains("(/proc/stat btime)") == true)
        check.bootTime = 0
        let old = try made(bootID: "boot-z")
        #expect(admit(old.path)?.message.hasSuffix("the request was written in another boot (boot id boot-z, this boot boot-a)") == true)
    }

    @Test func aRequestThatIsASymlinkOrWithoutOptionsIsRefused() throws {
        let directory = try made()
        try FileManager.default.removeItem(atPath: directory.requestFile)
        _ = symlink("/etc/hostname", directory.requestFile)
        #expect(admit(directory.path)?.message.hasSuffix("is a symlink where a regular file is expected") == true)
        let bare = try made(options: .some(nil))
        #expect(admit(bare.path) == .recheck(.noOptions))
    }

    @Test func theStoredChecksAreNotTrustedThePlanIsMadeAgain() throws {
        let directory = try made()
        var failing = H.fullPlan
        failing.ok = false
        failing.checks = [PlanCheck(.sessions, .fail, "1 other login session(s): alice")]
        #expect(admit(directory.path, replan: failing) == .recheck(.failedChecks(failing.checks)))
        #expect(admit(directory.path, replan: failing)?.message == "planned again, the plan fails: sessions: 1 other login session(s): alice")
    }

    @Test func changedStepsAreRefusedSayingWhich() throws {
        let directory = try made()
        var changed = H.fullPlan
        changed.steps.remove(at: 3)
        #expect(admit(directory.path, replan: changed)?.message
                == "planned again, the steps differ from the confirmed ones: step 4 was \"\(H.fullPlan.steps[3].summary)\", now \"\(H.fullPlan.steps[4].summary)\"")
        var more = H.fullPlan
        more.steps.insert(.swapOff(SwapArea(path: "/swapfile", kind: .file)), at: 2)
        more.steps.append(.sync)
        var shorter = H.fullPlan
        shorter.steps.removeLast()
        #expect(RunRequestRecheck.difference(confirmed: H.fullPlan.steps, now: H.fullPlan.steps + [.sync])
                == "1 more step(s) now, the first \"sync file systems\"")
        #expect(RunRequestRecheck.difference(confirmed: H.fullPlan.steps, now: shorter.steps)?.hasPrefix("1 step(s) fewer now") == true)
        // How much swap is in use is not a change of plan.
        let a = [PlanStep.swapOff(SwapArea(path: "/swapfile", kind: .file, sizeBytes: 1 << 30, usedBytes: 1))]
        let b = [PlanStep.swapOff(SwapArea(path: "/swapfile", kind: .file, sizeBytes: 1 << 30, usedBytes: 2 << 20))]
        #expect(RunRequestRecheck.difference(confirmed: a, now: b) == nil)
    }
}
