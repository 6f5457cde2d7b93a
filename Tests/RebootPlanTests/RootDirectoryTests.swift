@testable import RebootPlan
import LinuxSystem
import KexecCore
import Testing

@Suite struct RootDirectoryTests {
    @Test func hostPathPrefixesTheRoot() {
        #expect(RootDirectory("/tmp/x/").hostPath("/boot/vmlinuz") == "/tmp/x/boot/vmlinuz")
        #expect(RootDirectory("/").hostPath("/boot/vmlinuz") == "/boot/vmlinuz")
    }

    @Test func normalizeDropsDotsAndParents() {
        #expect(RootDirectory.normalize("/boot/./grub/../vmlinuz") == "/boot/vmlinuz")
    }
}
