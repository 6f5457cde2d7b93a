import Execution
import Foundation
import Kdump
import KrebootTestSupport
import LinuxSystem
import Testing

/// `calibrate --apply` on temporary trees: files written safely with their mode, removed again, the
/// generator run through a fake runner (never on this host), and not run under --root.
@Suite final class CrashkernelApplierTests {
    let dir = NSTemporaryDirectory() + "kreboot-apply-" + UUID().uuidString

    deinit { try? FileManager.default.removeItem(atPath: dir) }

    func write(_ path: String, _ text: String, mode: Int = 0o644) throws {
        try FileManager.default.createDirectory(atPath: dir + RecordWriter.parent(of: path), withIntermediateDirectories: true)
        try text.write(toFile: dir + path, atomically: false, encoding: .utf8)
        try FileManager.default.setAttributes([.posixPermissions: mode], ofItemAtPath: dir + path)
    }

    func read(_ path: String) -> String? { try? String(contentsOfFile: dir + path, encoding: .utf8) }

    @Test func grubDropInIsWrittenThenTheGeneratorRunsAndRemoveUndoesIt() throws {
        try write("/etc/default/grub", "GRUB_CMDLINE_LINUX_DEFAULT=\"quiet\"\n")
        try write("/usr/sbin/update-grub", "#!/bin/sh\n", mode: 0o755)
        let root = RootDirectory(dir)
        let runner = RecordingSubprocessRunner()
        let applier = CrashkernelApplier(root: root, runner: runner, runsGenerator: true)
        let plan = try CrashkernelApplyPlan.plan(BootLoaderFiles.read(root: root), parameters: "crashkernel=320M", remove: false).get()
        let result = try applier.apply(plan)
        #expect(read(BootLoaderFiles.krebootDropIn) == CrashkernelApplyPlan.dropIn("crashkernel=320M"))
        let mode = try FileManager.default.attributesOfItem(atPath: dir + BootLoaderFiles.krebootDropIn)[.posixPermissions] as? Int
        #expect(mode == 0o644)
        #expect(runner.calls == [["/usr/sbin/update-grub"]])
        #expect(result.done == ["wrote /etc/default/grub.d/kreboot.cfg", "ran /usr/sbin/update-grub"])
        // No temporary file is left beside it.
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir + "/etc/default/grub.d") == ["kreboot.cfg"])

        let removal = try CrashkernelApplyPlan.plan(BootLoaderFiles.read(root: root), parameters: "crashkernel=320M", remove: true).get()
        _ = try applier.apply(removal)
        #expect(read(BootLoaderFiles.krebootDropIn) == nil)
        #expect(runner.calls.count == 2)
    }

    @Test func aFailingGeneratorIsReportedAndTheFilesStay() throws {
        try write("/etc/default/grub", "GRUB_CMDLINE_LINUX_DEFAULT=\"quiet\"\n")
        try write("/usr/sbin/grub-mkconfig", "#!/bin/sh\n", mode: 0o755)
        let root = RootDirectory(dir)
        let runner = RecordingSubprocessRunner()
        runner.answer(SubprocessResult(status: 1, output: "grub-mkconfig: error: cannot find a GRUB drive\n"))
        let plan = try CrashkernelApplyPlan.plan(BootLoaderFiles.read(root: root), parameters: "crashkernel=256M", remove: false).get()
        let result = try CrashkernelApplier(root: root, runner: runner, runsGenerator: true).apply(plan)
        #expect(runner.calls == [["/usr/sbin/grub-mkconfig", "-o", "/boot/grub/grub.cfg"]])
        #expect(result.generatorFailure == "/usr/sbin/grub-mkconfig -o /boot/grub/grub.cfg exited 1: grub-mkconfig: error: cannot find a GRUB drive")
        // This grub-mkconfig sources no /etc/default/grub.d: the line went into /etc/default/grub, and stays.
        #expect(read(BootLoaderFiles.krebootDropIn) == nil)
        #expect(read("/etc/default/grub")?.contains(CrashkernelApplyPlan.defaultsMarker + "\n" + #"GRUB_CMDLINE_LINUX_DEFAULT="$GRUB_CMDLINE_LINUX_DEFAULT crashkernel=256M""#) == true)
    }

    @Test func underRootTheGeneratorIsNotRunOnThisHost() throws {
        try write("/etc/default/grub", "GRUB_CMDLINE_LINUX_DEFAULT=\"quiet\"\n")
        try write("/usr/sbin/update-grub", "#!/bin/sh\n", mode: 0o755)
        let root = RootDirectory(dir)
        let runner = RecordingSubprocessRunner()
        let plan = try CrashkernelApplyPlan.plan(BootLoaderFiles.read(root: root), parameters: "crashkernel=256M", remove: false).get()
        let result = try CrashkernelApplier(root: root, runner: runner).apply(plan)
        #expect(runner.calls.isEmpty)
        #expect(result.done.last?.hasPrefix("not run under --root \(dir): /usr/sbin/update-grub") == true)
    }

    @Test func blsEntriesKeepTheirModeAndTheRecordIsWritten() throws {
        let entry = "/boot/loader/entries/abc-6.11.conf"
        try write(entry, "title Fedora\noptions root=UUID=abcd ro quiet\n", mode: 0o600)
        try write("/etc/kernel/cmdline", "root=UUID=abcd ro quiet\n")
        let root = RootDirectory(dir)
        let plan = try CrashkernelApplyPlan.plan(BootLoaderFiles.read(root: root), parameters: "crashkernel=320M", remove: false).get()
        _ = try CrashkernelApplier(root: root, runner: RecordingSubprocessRunner(), runsGenerator: true).apply(plan)
        #expect(read(entry) == "title Fedora\noptions root=UUID=abcd ro quiet crashkernel=320M\n")
        #expect(read("/etc/kernel/cmdline") == "root=UUID=abcd ro quiet crashkernel=320M\n")
        #expect(read(BootLoaderFiles.appliedRecord) == "crashkernel=320M\n")
        let mode = try FileManager.default.attributesOfItem(atPath: dir + entry)[.posixPermissions] as? Int
        #expect(mode == 0o600)
        let removal = try CrashkernelApplyPlan.plan(BootLoaderFiles.read(root: root), parameters: "crashkernel=999M", remove: true).get()
        _ = try CrashkernelApplier(root: root, runner: RecordingSubprocessRunner(), runsGenerator: true).apply(removal)
        #expect(read(entry) == "title Fedora\noptions root=UUID=abcd ro quiet\n")
        #expect(read(BootLoaderFiles.appliedRecord) == nil)
    }
}
