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
