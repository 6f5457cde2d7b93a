import Foundation
@testable import Kdump
import LinuxSystem
import Testing

/// `calibrate --apply`'s plan: GRUB's drop-in, BLS entries and /etc/kernel/cmdline, what is found elsewhere,
/// the diff, and `--remove`.
@Suite struct CrashkernelApplyPlanTests {
    static let parameters = "crashkernel=320M"
    static let grubDefaults = "GRUB_DEFAULT=0\nGRUB_CMDLINE_LINUX_DEFAULT=\"quiet\"\nGRUB_CMDLINE_LINUX=\"\"\n"

    func plan(_ files: BootLoaderFiles, remove: Bool = false) throws -> CrashkernelApplyPlan {
        try CrashkernelApplyPlan.plan(files, parameters: Self.parameters, remove: remove).get()
    }

    @Test func grubGetsADropInAndTheGenerator() throws {
        let files = BootLoaderFiles(files: [BootLoaderFiles.grubDefaults: Self.grubDefaults], generator: ["/usr/sbin/update-grub"])
        let plan = try plan(files)
        #expect(plan.kind == .grub)
        #expect(plan.edits == [.init(path: "/etc/default/grub.d/kreboot.cfg", before: nil, after: CrashkernelApplyPlan.dropIn(Self.parameters))])
        #expect(CrashkernelApplyPlan.dropIn(Self.parameters).contains(#"GRUB_CMDLINE_LINUX_DEFAULT="$GRUB_CMDLINE_LINUX_DEFAULT crashkernel=320M""#))
        #expect(plan.generator == ["/usr/sbin/update-grub"])
        #expect(plan.edits[0].diff.first == "--- /etc/default/grub.d/kreboot.cfg (new file)")
        #expect(plan.edits[0].diff.last == #"+GRUB_CMDLINE_LINUX_DEFAULT="$GRUB_CMDLINE_LINUX_DEFAULT crashkernel=320M""#)
    }

    @Test func grubAlreadyAppliedChangesNothingAndAnOlderValueIsReplaced() throws {
        var files = BootLoaderFiles(files: [BootLoaderFiles.grubDefaults: Self.grubDefaults,
                                            BootLoaderFiles.krebootDropIn: CrashkernelApplyPlan.dropIn(Self.parameters)],
                                    generator: ["/usr/sbin/update-grub"])
        let same = try plan(files)
        #expect(same.changesNothing)
        #expect(same.generator == nil)
        files.files[BootLoaderFiles.krebootDropIn] = CrashkernelApplyPlan.dropIn("crashkernel=256M")
        let older = try plan(files)
        #expect(older.edits.count == 1)
        #expect(older.edits[0].diff == ["--- /etc/default/grub.d/kreboot.cfg", "+++ /etc/default/grub.d/kreboot.cfg",
                                        #"-GRUB_CMDLINE_LINUX_DEFAULT="$GRUB_CMDLINE_LINUX_DEFAULT crashkernel=256M""#,
                                        #"+GRUB_CMDLINE_LINUX_DEFAULT="$GRUB_CMDLINE_LINUX_DEFAULT crashkernel=320M""#])
    }

    @Test func aCrashkernelElsewhereInGrubIsReportedNotDuplicated() throws {
        let files = BootLoaderFiles(files: [
            BootLoaderFiles.grubDefaults: Self.grubDefaults + "# GRUB_CMDLINE_LINUX=\"crashkernel=1G\"\n",
            "/etc/default/grub.d/kdump-tools.cfg": "GRUB_CMDLINE_LINUX_DEFAULT=\"$GRUB_CMDLINE_LINUX_DEFAULT crashkernel=384M-:128M\"\n",
        ], generator: ["/usr/sbin/update-grub"])
        let plan = try plan(files)
        #expect(plan.changesNothing)
        #expect(plan.existing == [#"/etc/default/grub.d/kdump-tools.cfg:1: GRUB_CMDLINE_LINUX_DEFAULT="$GRUB_CMDLINE_LINUX_DEFAULT crashkernel=384M-:128M""#])
    }

    @Test func grubRemoveDeletesTheDropInOnly() throws {
        let files = BootLoaderFiles(files: [BootLoaderFiles.grubDefaults: Self.grubDefaults,
                                            BootLoaderFiles.krebootDropIn: CrashkernelApplyPlan.dropIn(Self.parameters)],
                                    generator: ["/usr/sbin/grub-mkconfig", "-o", "/boot/grub/grub.cfg"])
        let plan = try plan(files, remove: true)
        #expect(plan.edits.map(\.path) == [BootLoaderFiles.krebootDropIn])
        #expect(plan.edits[0].after == nil)
        #expect(plan.generator == ["/usr/sbin/grub-mkconfig", "-o", "/boot/grub/grub.cfg"])
        let nothing = CrashkernelApplyPlan.plan(BootLoaderFiles(files: [BootLoaderFiles.grubDefaults: Self.grubDefaults]),
                                                parameters: Self.parameters, remove: true)
        #expect(nothing == .failure(.nothingToDo("/etc/default/grub.d/kreboot.cfg does not exist: kreboot applied nothing to GRUB")))
    }

    @Test func whereGrubMkconfigReadsNoDropInsTheLineGoesIntoTheDefaultsFile() throws {
        // Upstream GRUB (Arch, openSUSE): /etc/default/grub.d is never sourced, so a drop-in would change nothing.
        var files = BootLoaderFiles(files: [BootLoaderFiles.grubDefaults: Self.grubDefaults],
                                    generator: ["/usr/sbin/grub2-mkconfig", "-o", "/boot/grub2/grub.cfg"], grubReadsDropIns: false)
        let applied = try plan(files)
        #expect(applied.edits.map(\.path) == [BootLoaderFiles.grubDefaults])
        let after = try #require(applied.edits.first?.after)
        #expect(after == Self.grubDefaults + CrashkernelApplyPlan.defaultsMarker + "\n"
                + #"GRUB_CMDLINE_LINUX_DEFAULT="$GRUB_CMDLINE_LINUX_DEFAULT crashkernel=320M""# + "\n")
        #expect(applied.generator == ["/usr/sbin/grub2-mkconfig", "-o", "/boot/grub2/grub.cfg"])
        #expect(applied.notes.contains { $0.contains("reads no /etc/default/grub.d") })

        // Applied again: nothing to do; a new value replaces the marked line; --remove restores the file.
        files.files[BootLoaderFiles.grubDefaults] = after
        #expect(try plan(files).changesNothing)
        let newer = try CrashkernelApplyPlan.plan(files, parameters: "crashkernel=512M", remove: false).get()
        #expect(newer.edits.first?.after?.hasSuffix("crashkernel=512M\"\n") == true)
        #expect(newer.edits.first?.after?.components(separatedBy: CrashkernelApplyPlan.defaultsMarker).count == 2)
        let removal = try plan(files, remove: true)
        #expect(removal.edits == [.init(path: BootLoaderFiles.grubDefaults, before: after, after: Self.grubDefaults)])

        // Nothing marked: nothing to remove.
        files.files[BootLoaderFiles.grubDefaults] = Self.grubDefaults
        #expect(CrashkernelApplyPlan.plan(files, parameters: Self.parameters, remove: true)
                == .failure(.nothingToDo("/etc/default/grub has no line added by kreboot: kreboot applied nothing to GRUB")))
    }

    @Test func whetherGrubMkconfigReadsDropInsIsReadFromTheScript() throws {
        let tree = try FileManagerTree()
        defer { tree.remove() }
        try tree.write("/etc/default/grub", Self.grubDefaults)
        try tree.write("/usr/sbin/grub2-mkconfig", "#! /bin/sh\nif test -f ${sysconfdir}/default/grub ; then\n  . ${sysconfdir}/default/grub\nfi\n")
        var files = BootLoaderFiles.read(root: RootDirectory(tree.path))
        #expect(files.grubReadsDropIns == false)
        #expect(files.generator == ["/usr/sbin/grub2-mkconfig", "-o", "/boot/grub2/grub.cfg"])
        try tree.write("/usr/sbin/grub2-mkconfig", "for x in ${sysconfdir}/default/grub.d/*.cfg ; do\n  . \"${x}\"\ndone\n")
        files = BootLoaderFiles.read(root: RootDirectory(tree.path))
        #expect(files.grubReadsDropIns == true)
    }

    static let fedoraEntry = """
        title Fedora Linux (6.11.4-301.fc41.x86_64)
        version 6.11.4-301.fc41.x86_64
        linux /vmlinuz-6.11.4-301.fc41.x86_64
        initrd /initramfs-6.11.4-301.fc41.x86_64.img
        options root=UUID=abcd ro rhgb quiet
        grub_users $grub_users

        """

    @Test func blsEntriesAndKernelCmdlineGetTheParametersAsGrubbyDoes() throws {
        let entry = "/boot/loader/entries/abc-6.11.4-301.fc41.x86_64.conf"
        let kept = "/boot/loader/entries/abc-6.10.conf"
        let files = BootLoaderFiles(files: [entry: Self.fedoraEntry, kept: "title old\noptions root=UUID=abcd crashkernel=512M\n",
                                            BootLoaderFiles.kernelCmdline: "root=UUID=abcd ro rhgb quiet\n"],
                                    entries: [kept, entry], generator: ["/usr/sbin/grub2-mkconfig", "-o", "/boot/grub2/grub.cfg"])
        let plan = try plan(files)
        #expect(plan.kind == .bls)
        #expect(plan.generator == nil)
        #expect(plan.edits.map(\.path) == [BootLoaderFiles.kernelCmdline, entry, BootLoaderFiles.appliedRecord])
        #expect(plan.edits[0].after == "root=UUID=abcd ro rhgb quiet crashkernel=320M\n")
        #expect(plan.edits[1].diff == ["--- \(entry)", "+++ \(entry)", "-options root=UUID=abcd ro rhgb quiet",
                                       "+options root=UUID=abcd ro rhgb quiet crashkernel=320M"])
        #expect(plan.edits[1].after?.contains("grub_users $grub_users") == true)
        #expect(plan.edits[2].after == "crashkernel=320M\n")
        #expect(plan.existing == ["\(kept):2: options root=UUID=abcd crashkernel=512M"])
    }

    @Test func blsRemoveTakesOutExactlyWhatWasRecorded() throws {
        let entry = "/boot/loader/entries/abc.conf"
        let files = BootLoaderFiles(files: [entry: "title t\noptions root=/dev/vda crashkernel=320M quiet\n",
                                            BootLoaderFiles.kernelCmdline: "root=/dev/vda crashkernel=320M\n",
                                            BootLoaderFiles.appliedRecord: "crashkernel=320M\n"], entries: [entry])
        let plan = try CrashkernelApplyPlan.plan(files, parameters: "crashkernel=512M", remove: true).get()
        #expect(plan.parameters == "crashkernel=320M")
        #expect(plan.edits.map(\.after) == ["root=/dev/vda\n", "title t\noptions root=/dev/vda quiet\n", nil])
        let unrecorded = BootLoaderFiles(files: [entry: "options root=/dev/vda crashkernel=320M\n"], entries: [entry])
        #expect(throws: CrashkernelApplyPlan.Problem.self) { try CrashkernelApplyPlan.plan(unrecorded, parameters: "x", remove: true).get() }
    }

    /// A 1024-byte grubenv as grub2-editenv writes it.
    static func grubenv(_ lines: [String]) -> String {
        let body = "# GRUB Environment Block\n" + lines.map { $0 + "\n" }.joined()
        return body + String(repeating: "#", count: 1024 - body.utf8.count)
    }

    @Test func kerneloptsEntriesGetTheParametersThroughGrubenv() throws {
        // RHEL 8: every entry says `options $kernelopts $tuned_params`; grubby edits kernelopts in grubenv.
        let env = "/boot/efi/EFI/centos/grubenv"
        let entries = ["/boot/loader/entries/a.conf", "/boot/loader/entries/b.conf"]
        let before = Self.grubenv(["saved_entry=a", "kernelopts=root=/dev/mapper/cs-root ro rhgb quiet", "boot_success=0"])
        var files = BootLoaderFiles(files: [entries[0]: "options $kernelopts $tuned_params\n", entries[1]: "options $kernelopts\n", env: before],
                                    entries: entries, grubEnvironment: env)
        let applied = try plan(files)
        #expect(applied.edits.map(\.path) == [env, BootLoaderFiles.appliedRecord])
        let after = try #require(applied.edits[0].after)
        #expect(after.utf8.count == 1024)
        #expect(after.hasPrefix("# GRUB Environment Block\nsaved_entry=a\nkernelopts=root=/dev/mapper/cs-root ro rhgb quiet crashkernel=320M\nboot_success=0\n#"))
        #expect(applied.notes == ["2 entries (\(entries[0]), …): options use $kernelopts, set in \(env)"])
        #expect(applied.edits[0].diff.contains("+kernelopts=root=/dev/mapper/cs-root ro rhgb quiet crashkernel=320M"))
        #expect(applied.edits[0].diff.allSatisfy { $0.count < 200 }, "the # padding is abbreviated in the diff")

        // --remove takes exactly the recorded parameters out again.
        files.files[env] = after
        files.files[BootLoaderFiles.appliedRecord] = "crashkernel=320M\n"
        let removal = try plan(files, remove: true)
        #expect(removal.edits.first?.after == before)

        // crashkernel=auto already in kernelopts (RHEL 8's default): reported, not duplicated.
        files.files[env] = Self.grubenv(["kernelopts=root=/dev/vda ro crashkernel=auto"])
        files.files[BootLoaderFiles.appliedRecord] = nil
        let existing = try plan(files)
        #expect(existing.changesNothing)
        #expect(existing.existing == ["\(env): kernelopts=root=/dev/vda ro crashkernel=auto"])
    }

    @Test func otherVariablesStayAndTheLiteralOptionsAreEdited() throws {
        let entry = "/boot/loader/entries/rhel9.conf"
        let plan = try plan(BootLoaderFiles(files: [entry: "title t\noptions root=/dev/vda ro $tuned_params\n"], entries: [entry]))
        #expect(plan.edits.first?.after == "title t\noptions root=/dev/vda ro $tuned_params crashkernel=320M\n")
    }

    /// A boot tree of RebootPlanTests' fixtures.
    static func rebootPlanFixture(_ name: String, file: String = #filePath) -> String {
        var directory = file.split(separator: "/", omittingEmptySubsequences: false).dropLast(2).joined(separator: "/")
        directory += "/RebootPlanTests/Fixtures/" + name
        return directory
    }

    @Test func theCentOS8TreeIsReadThroughItsGrubenvSymlink() throws {
        let tree = BootLoaderFiles.read(root: RootDirectory(Self.rebootPlanFixture("centos8-efi")))
        #expect(tree.grubEnvironment == "/boot/efi/EFI/centos/grubenv")
        let plan = try plan(tree)
        // Its kernelopts has crashkernel=auto: reported, nothing added anywhere.
        #expect(plan.existing.contains { $0.hasPrefix("/boot/efi/EFI/centos/grubenv: kernelopts=") && $0.contains("crashkernel=auto") })
        #expect(plan.changesNothing)
    }

    @Test func kerneloptsWithoutAGrubenvIsNotEditedAndNoBootLoaderIsAProblem() throws {
        let entry = "/boot/loader/entries/old.conf"
        let plan = try plan(BootLoaderFiles(files: [entry: "options $kernelopts\n"], entries: [entry]))
        #expect(plan.changesNothing)
        #expect(plan.notes == ["\(entry): options use $kernelopts, but /boot/grub2/grubenv or /boot/grub/grubenv sets no kernelopts; not edited"])
        guard case .failure(.noBootLoader(let message)) = CrashkernelApplyPlan.plan(BootLoaderFiles(), parameters: "crashkernel=256M", remove: false) else {
            Issue.record("no boot loader was not a problem")
            return
        }
        #expect(message.hasSuffix("add crashkernel=256M to the boot loader's kernel command line yourself"))
    }
}

/// A scratch directory tree for `BootLoaderFiles.read`.
struct FileManagerTree {
    let path: String

    init() throws {
        path = FileManager.default.temporaryDirectory.appendingPathComponent("kreboot-bootloader-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    }

    func write(_ targetPath: String, _ text: String) throws {
        let url = URL(fileURLWithPath: path + targetPath)
        try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        try text.write(to: url, atomically: true, encoding: .utf8)
    }

    func remove() { try? FileManager.default.removeItem(atPath: path) }
}
