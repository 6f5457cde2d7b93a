@testable import RebootPlan
import LinuxSystem
import KexecCore
import Foundation
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// The snapshot asks its questions of descriptors opened inside the root: free space, access, the files
/// behind boot entries. Symlinks planted in a --root tree that point outside it are resolved inside it.
@Suite struct SnapshotDescriptorTests {
    @Test func freeSpaceFollowsASymlinkInsideTheTreeNotOnThisMachine() {
        let t = HostileTreeFixture()
        defer { t.remove() }
        t.directory("var")
        // On this machine /proc has no free space at all; inside the tree there is no /proc, so the nearest
        // existing directory (/var, on the temporary file system) is asked.
        t.symlink("var/crash", to: "/proc")
        let free = RootDirectory(t.path).freeBytes("/var/crash")
        #expect((free ?? 0) > 0)
        var hostProc = statvfs()
        #expect(statvfs("/proc", &hostProc) == 0 && hostProc.f_bavail == 0)
    }

    @Test func accessIsAskedOfTheFileInsideTheTree() {
        let t = HostileTreeFixture()
        defer { t.remove() }
        t.fifo("boot/vmlinuz-fifo")
        t.symlink("boot/vmlinuz-out", to: "/etc/hostname-that-is-not-in-the-tree")
        let root = RootDirectory(t.path)
        #expect(root.isAccessible("/boot/vmlinuz-fifo", mode: R_OK))
        #expect(!root.isAccessible("/boot/vmlinuz-out", mode: R_OK))
    }

    @Test func aFIFOAsAKernelIsProbedWithoutWaitingAndNotInspected() {
        let t = HostileTreeFixture()
        defer { t.remove() }
        t.fifo("boot/vmlinuz")
        let facts = FileFacts.probe("/boot/vmlinuz", root: RootDirectory(t.path), inspectKernel: true)
        #expect(facts.exists && !facts.isRegularFile)
        #expect(facts.image == nil)
    }

    @Test func aKernelSymlinkPointingOutsideTheTreeIsResolvedInsideIt() {
        let t = HostileTreeFixture()
        defer { t.remove() }
        // /bin/true exists on this machine; inside the tree it does not.
        t.symlink("boot/vmlinuz", to: "/bin/true")
        let facts = FileFacts.probe("/boot/vmlinuz", root: RootDirectory(t.path), inspectKernel: true)
        #expect(!facts.exists)
    }
}

/// A file that is there but cannot be read as it is (a FIFO) is named in the plan, not passed over in silence.
@Suite struct UnreadableInputsAreNamedTests {
    static func tree() -> HostileTreeFixture {
        let t = HostileTreeFixture()
        t.file("boot/grub/grub.cfg", "menuentry 'L' {\n linux /vmlinuz\n}\n")
        t.file("proc/self/mountinfo", "1 0 8:1 / / rw - ext4 /dev/sda1 rw\n")
        return t
    }

    static func snapshotAndPlan(_ t: HostileTreeFixture, mode: PlanMode) -> (SystemSnapshot, RebootPlan) {
        let options = PlanOptions(mode: mode)
        let snapshot = SystemSnapshot.read(root: RootDirectory(t.path), options: options,
                                           process: ProcessContext(effectiveUID: 0, hasCapSysBoot: true, machineArch: "x86_64"),
                                           sessions: [])
        return (snapshot, RebootPlanner.plan(snapshot, options))
    }

    @Test func aFIFOAsProcCmdlineIsNamedWhereTheCommandLineIsReused() {
        let t = Self.tree()
        defer { t.remove() }
        t.fifo("proc/cmdline")
        let (snapshot, plan) = Self.snapshotAndPlan(t, mode: .reboot)
        #expect(snapshot.commandLineProblem == "/proc/cmdline: is a FIFO, not a regular file")
        #expect(plan.target?.source.rule?.contains("which cannot be read: /proc/cmdline: is a FIFO") == true)
    }

    @Test func aFIFOAsGrubenvMakesTheBootEntryCheckAWarningNamingIt() {
        let t = Self.tree()
        defer { t.remove() }
        t.fifo("boot/grub/grubenv")
        let (_, plan) = Self.snapshotAndPlan(t, mode: .reboot)
        let check = plan.checks.first { $0.id == .bootEntry }
        #expect(check?.status == .warn)
        #expect(check?.message.contains("/boot/grub/grubenv: is a FIFO, not a regular file") == true)
    }

    @Test func aKernelPathWithControlCharactersIsNamedOnOneLine() {
        let t = Self.tree()
        defer { t.remove() }
        t.file("etc/default/kdump-tools", "KDUMP_KERNEL=\"/boot/vm\u{1B}[2Jlinuz\"\n")
        let (_, plan) = Self.snapshotAndPlan(t, mode: .kdumpTest)
        let named = plan.checks.filter { $0.message.contains("/boot/vm\\u{1b}[2Jlinuz") }
        #expect(!named.isEmpty)
        #expect(plan.checks.allSatisfy { !$0.message.unicodeScalars.contains { $0.properties.generalCategory == .control } })
    }

    @Test func aFIFOAsTheKdumpConfigurationIsNamedInAKdumpTest() {
        let t = Self.tree()
        defer { t.remove() }
        t.fifo("etc/default/kdump-tools")
        let (snapshot, plan) = Self.snapshotAndPlan(t, mode: .kdumpTest)
        #expect(snapshot.kdumpProblem == "/etc/default/kdump-tools: is a FIFO, not a regular file")
        // Named once, by the kdump-config check, not again in the boot entry's.
        #expect(plan.checks.filter { $0.message.contains("/etc/default/kdump-tools: is a FIFO") }.map(\.id) == [.kdumpConfig])
        // Its settings are unknown: the kdump configuration fails (78) rather than falling back to defaults.
        #expect(plan.checks.contains { $0.id == .kdumpConfig && $0.status == .fail && $0.message == "/etc/default/kdump-tools: is a FIFO, not a regular file" })
    }
}

extension UnreadableInputsAreNamedTests {
    @Test func aFIFOAsProcCmdlineIsNamedInTheCaptureCommandLinesReason() {
        let t = Self.tree()
        defer { t.remove() }
        t.fifo("proc/cmdline")
        let (_, plan) = Self.snapshotAndPlan(t, mode: .kdumpTest)
        #expect(plan.target?.source.rule?.contains("the running one cannot be read: /proc/cmdline: is a FIFO") == true)
    }
}
