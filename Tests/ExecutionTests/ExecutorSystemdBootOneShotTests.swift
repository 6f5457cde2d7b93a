@testable import Execution
import Quiesce
import KexecCore
import RebootPlan
import LinuxSystem
import KrebootTestSupport
import FoundationEssentials
import Glibc
import Testing

/// The `clearSystemdBootOneShot` step: `bootctl set-oneshot`'s LoaderEntryOneShot is consumed right after the
/// load, as systemd-boot does when it boots it, and written back when the run rolls back. efivarfs is a
/// temporary directory here: the host's EFI variables are never touched.
@Suite struct ExecutorSystemdBootOneShotTests {
    typealias H = ExecutorHarness
    static let variable = EfiVarFS.loaderVariable("LoaderEntryOneShot")

    /// A temporary directory standing for efivarfs, with LoaderEntryOneShot set to `entry`.
    final class FakeEfivarfs {
        let directory: String
        init(oneShot entry: String?) throws {
            directory = FileManager.default.temporaryDirectory.path + "/kreboot-efivars-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
            if let entry { try EfiVarFS(directory: directory).write(ExecutorSystemdBootOneShotTests.variable, EfiVariableValue(string: entry)) }
        }
        deinit { try? FileManager.default.removeItem(atPath: directory) }
        var variables: EfiVarFS { EfiVarFS(directory: directory) }
        func bytes(_ name: String) -> [UInt8]? { FileManager.default.contents(atPath: directory + "/" + name).map { [UInt8]($0) } }
    }

    static func plan() -> RebootPlan {
        var plan = H.fullPlan
        plan.steps.insert(.clearSystemdBootOneShot(variable: variable, entry: "debian-6.1.0-28-amd64.efi"), at: 1)
        return plan
    }

    @Test func clearsTheOneShotRightAfterTheLoad() throws {
        let efivars = try FakeEfivarfs(oneShot: "debian-6.1.0-28-amd64.efi")
        let h = H()
        h.efiVariables = efivars.variables
        #expect(h.run(Self.plan()) == nil)
        #expect(efivars.bytes(Self.variable) == nil)
        #expect(h.notes[1] == "was \"debian-6.1.0-28-amd64.efi\"")
        #expect(h.finishedSteps.prefix(2).map(\.action) == [.load, .clearSystemdBootOneShot])
    }

    @Test func aRollbackWritesItBackAsSystemdWritesIt() throws {
        let efivars = try FakeEfivarfs(oneShot: "debian-6.1.0-28-amd64.efi")
        let before = try #require(efivars.bytes(Self.variable))
        // NON_VOLATILE|BOOTSERVICE|RUNTIME, then UTF-16LE with its NUL.
        #expect(Array(before.prefix(6)) == [7, 0, 0, 0, UInt8(ascii: "d"), 0])
        #expect(Array(before.suffix(2)) == [0, 0])
        let h = H()
        h.efiVariables = efivars.variables
        h.mounts.fail(.sync, with: injected(.ioError, "syncfs"))
        let error = h.run(Self.plan())
        #expect(error?.step == .sync)
        #expect(efivars.bytes(Self.variable) == before)
        #expect(error?.rolledBack.suffix(2) == ["restore systemd-boot's one-time entry in \(Self.variable)", "unload the kernel"])
    }

    @Test func aVariableThatCannotBeDeletedStopsTheRunBeforeTheIsolate() {
        let h = H()  // NoEfiVariables: nothing to read, delete fails
        let error = h.run(Self.plan())
        #expect(error?.step?.action == .clearSystemdBootOneShot)
        #expect(error?.message.contains("choose it with --entry") == true)
        #expect(error?.rolledBack == ["unload the kernel"])
        #expect(h.services.calls.isEmpty)
    }

    @Test func efiVarFSReadsWritesAndDeletes() throws {
        let efivars = try FakeEfivarfs(oneShot: nil)
        let v = efivars.variables
        #expect(try v.read("LoaderEntryDefault-\(EfiVarFS.loaderGUID)") == nil)
        try v.write("LoaderEntryDefault-\(EfiVarFS.loaderGUID)", EfiVariableValue(string: "a-much-longer-entry-name"))
        try v.write("LoaderEntryDefault-\(EfiVarFS.loaderGUID)", EfiVariableValue(string: "short"))
        let value = try #require(try v.read("LoaderEntryDefault-\(EfiVarFS.loaderGUID)"))
        #expect(value.string == "short")
        #expect(value.attributes == 7)
        try v.delete("LoaderEntryDefault-\(EfiVarFS.loaderGUID)")
        try v.delete("LoaderEntryDefault-\(EfiVarFS.loaderGUID)")
        #expect(try v.read("LoaderEntryDefault-\(EfiVarFS.loaderGUID)") == nil)
        #expect(EfiVariableValue(fileBytes: [6, 0, 0, 0, 1]) == EfiVariableValue(attributes: 6, data: [1]))
        #expect(EfiVariableValue(fileBytes: [6, 0]) == nil)
    }
}
