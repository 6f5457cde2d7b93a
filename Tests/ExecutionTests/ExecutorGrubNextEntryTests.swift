@testable import Execution
import Quiesce
import KexecCore
import RebootPlan
import LinuxSystem
import KrebootTestSupport
import FoundationEssentials
import Glibc
import Testing

/// The `clearGrubNextEntry` step: grub-reboot's one-time choice is consumed as GRUB would, and put back
/// when the run rolls back.
@Suite struct ExecutorGrubNextEntryTests {
    typealias H = ExecutorHarness
    static let grubenv = "/boot/grub/grubenv"

    static func plan() -> RebootPlan {
        var plan = H.fullPlan
        plan.steps.insert(.clearGrubNextEntry(grubenv: grubenv), at: 1)
        return plan
    }

    @Test func clearsNextEntryAndSaysWhatItWas() {
        let h = H()
        #expect(h.run(Self.plan()) == nil)
        #expect(h.grubEnvironment.calls == [.init(name: "next_entry", value: "", file: Self.grubenv)])
        #expect(h.grubEnvironment.variables(of: Self.grubenv) == ["next_entry": "", "saved_entry": "0"])
        #expect(h.notes[1] == "was \"custom-612\"")
        #expect(h.loader.calls.last == .exec)
    }

    @Test func aLaterFailurePutsItBackAfterTheIsolate() {
        let h = H()
        h.mounts.fail(.sync, with: injected(.ioError, "syncfs"))
        let error = h.run(Self.plan())
        #expect(error?.step == .sync)
        #expect(h.grubEnvironment.variables(of: Self.grubenv)["next_entry"] == "custom-612")
        #expect(error?.rolledBack.suffix(3) == ["isolate graphical.target", "restore GRUB's next_entry in \(Self.grubenv)",
                                               "unload the kernel"])
    }

    @Test func aGrubenvThatCannotBeWrittenStopsTheRunBeforeTheIsolate() {
        let h = H()
        h.grubEnvironment.fail(with: injectedRunError(.readOnlyFileSystem, "set next_entry in \(Self.grubenv)", path: Self.grubenv))
        let error = h.run(Self.plan())
        #expect(error?.step == .clearGrubNextEntry(grubenv: Self.grubenv))
        #expect(error?.message.hasSuffix("choose it with --entry to leave \(Self.grubenv) alone") == true)
        #expect(error?.rolledBack == ["unload the kernel"])
        #expect(h.services.calls.isEmpty)
    }

    /// The real editor on a scratch grubenv: same size, next_entry cleared, the rest kept, readable by GRUB's rules.
    @Test func theRealEditorRewritesTheBlockInPlace() throws {
        let path = FileManager.default.temporaryDirectory.path + "/kreboot-grubenv-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        defer { unlink(path) }
        let text = "# GRUB Environment Block\nsaved_entry=gnulinux-simple\nnext_entry=custom-612\n"
        let block = Array(text.utf8) + [UInt8](repeating: UInt8(ascii: "#"), count: 1024 - text.utf8.count)
        try Data(block).write(to: URL(fileURLWithPath: path))
        let editor = GrubEnvironmentFile()
        #expect(try editor.set("next_entry", to: "", in: path) == "custom-612")
        let after = try [UInt8](Data(contentsOf: URL(fileURLWithPath: path)))
        #expect(after.count == 1024)
        #expect(String(decoding: after, as: UTF8.self).hasPrefix("# GRUB Environment Block\nsaved_entry=gnulinux-simple\nnext_entry=\n#"))
        #expect(try editor.set("next_entry", to: "custom-612", in: path) == "")
        #expect(try [UInt8](Data(contentsOf: URL(fileURLWithPath: path))) == block)
    }

    /// A symlink planted as grubenv is not written through, a FIFO is not waited on: both refused, named.
    @Test func theRealEditorWritesOnlyARegularFile() throws {
        let base = FileManager.default.temporaryDirectory.path + "/kreboot-grubenv-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        let target = base + "-target", link = base + "-link", fifo = base + "-fifo"
        defer { unlink(target); unlink(link); unlink(fifo) }
        let block = Array("# GRUB Environment Block\nnext_entry=x\n".utf8) + [UInt8](repeating: UInt8(ascii: "#"), count: 990)
        try Data(block).write(to: URL(fileURLWithPath: target))
        try #require(symlink(target, link) == 0)
        try #require(mkfifo(fifo, 0o600) == 0)
        let viaLink = #expect(throws: RunError.self) { try GrubEnvironmentFile().set("next_entry", to: "", in: link) }
        #expect(viaLink?.path == link)
        #expect(try [UInt8](Data(contentsOf: URL(fileURLWithPath: target))) == block)
        let viaFIFO = #expect(throws: RunError.self) { try GrubEnvironmentFile().set("next_entry", to: "", in: fifo) }
        #expect(viaFIFO?.message.contains("not a regular file") == true)
    }

    @Test func theRealEditorNamesTheFileWhenItCannot() {
        let error = #expect(throws: RunError.self) { try GrubEnvironmentFile().set("next_entry", to: "", in: "/nonexistent/grubenv") }
        #expect(error?.path == "/nonexistent/grubenv")
        #expect(error?.errno == .noSuchFileOrDirectory)
    }
}
