import Foundation
import Testing
@testable import RebootPlan
@testable import LinuxSystem
import KexecCore

#if canImport(Glibc)
import Glibc
#endif

/// `--root` is a real root: absolute symlinks and `..` resolve inside the tree, with openat2 and with the
/// component-by-component fallback alike; FIFOs, loops and oversized files are errors naming the file.
@Suite struct RootDirectoryConfinementTests {
    /// A tree whose absolute symlinks would name host files if they were followed on the host.
    static func tree() -> HostileTreeFixture {
        let t = HostileTreeFixture()
        t.file("etc/hostname", "inside\n")
        t.file("realboot/grub/grub.cfg", "menuentry 'in' {\n}\n")
        t.file("realboot/vmlinuz-6.1", "kernel")
        t.symlink("boot", to: "/realboot")
        t.symlink("vmlinuz", to: "/boot/vmlinuz-6.1")
        t.symlink("etc/abs-hostname", to: "/etc/hostname")
        t.symlink("etc/escape", to: "../../../../../../../../etc/passwd")
        t.symlink("etc/abs-passwd", to: "/etc/passwd")
        t.symlink("loop/a", to: "b")
        t.symlink("loop/b", to: "/loop/a")
        t.fifo("etc/fifo")
        return t
    }

    static func read(_ root: RootDirectory, _ path: String, openat2: Bool) -> String? {
        guard case .success(let fd) = root.open(path, flags: O_RDONLY | O_NONBLOCK, followFinal: true, useOpenat2: openat2) else {
            return nil
        }
        defer { close(fd) }
        var buffer = [UInt8](repeating: 0, count: 256)
        let n = Glibc.read(fd, &buffer, buffer.count)
        return String(decoding: buffer[0..<max(0, n)], as: UTF8.self)
    }

    @Test(arguments: [true, false]) func absoluteSymlinksAndParentsStayInsideTheTree(openat2: Bool) {
        let t = Self.tree()
        defer { t.remove() }
        let root = RootDirectory(t.path)
        #expect(Self.read(root, "/etc/abs-hostname", openat2: openat2) == "inside\n")
        #expect(Self.read(root, "/boot/grub/grub.cfg", openat2: openat2) == "menuentry 'in' {\n}\n")
        #expect(Self.read(root, "/vmlinuz", openat2: openat2) == "kernel")
        #expect(Self.read(root, "/../../../../etc/hostname", openat2: openat2) == "inside\n")
        #expect(Self.read(root, "../../../../../../../../etc/passwd", openat2: openat2) == nil)
        #expect(Self.read(root, "/etc/escape", openat2: openat2) == nil)
        #expect(Self.read(root, "/etc/abs-passwd", openat2: openat2) == nil)
        #expect(root.open("/loop/a", flags: O_RDONLY, followFinal: true, useOpenat2: openat2) == .failure(.tooManySymbolicLinkLevels))
    }

    @Test func directoryQueriesFollowTheSameRule() {
        let t = Self.tree()
        defer { t.remove() }
        let root = RootDirectory(t.path)
        #expect(root.listDirectory("/boot") == ["grub", "vmlinuz-6.1"])
        #expect(root.isDirectory("/boot"))
        #expect(root.exists("/vmlinuz"))
        #expect(!root.exists("/etc/abs-passwd"))
        #expect(root.readLink("/vmlinuz") == "/boot/vmlinuz-6.1")
        #expect(root.resolveSymlinks("/vmlinuz") == "/realboot/vmlinuz-6.1")
        #expect(root.resolveSymlinks("/boot/missing/x") == "/realboot/missing/x")
        #expect(root.resolve("/loop/a").error == .tooManySymbolicLinkLevels)
        #expect(root.hostPath("/boot/vmlinuz-6.1") == t.path + "/realboot/vmlinuz-6.1")
        #expect(root.hostPath("/etc/escape") == t.path + "/etc/passwd")
        #expect(!root.isRegularFileNoFollow("/vmlinuz"))
        #expect(root.isRegularFileNoFollow("/etc/hostname"))
    }

    @Test func aFifoIsAnErrorNotAHang() throws {
        let t = Self.tree()
        defer { t.remove() }
        let root = RootDirectory(t.path)
        let error = #expect(throws: SystemError.self) { try root.readFile("/etc/fifo", limit: .configFile) }
        #expect(error?.message == "/etc/fifo: is a FIFO, not a regular file")
        #expect(root.readText("/etc/fifo") == nil)
        #expect(throws: SystemError.self) { try ImageFile(hostPath: t.path + "/etc/fifo", displayPath: "/etc/fifo") }
        #expect(throws: SystemError.self) { try ImageFile(root: root, path: "/etc/fifo") }
    }

    @Test func loopsDirectoriesAndOversizeFilesAreNamedErrors() throws {
        let t = Self.tree()
        defer { t.remove() }
        let root = RootDirectory(t.path)
        let loop = #expect(throws: SystemError.self) { try root.readFile("/loop/a", limit: .configFile) }
        #expect(loop?.message.contains("symlink loop") == true)
        let dir = #expect(throws: SystemError.self) { try root.readFile("/boot", limit: .configFile) }
        #expect(dir?.message == "/boot: is a directory, not a regular file")
        let big = #expect(throws: SystemError.self) {
            try root.readFile("/etc/hostname", limit: ReadLimit("test file", bytes: 4))
        }
        #expect(big?.message == "/etc/hostname: larger than the 4 bytes limit for a test file")
        #expect(try root.readFile("/missing", limit: .configFile) == nil)
        #expect(root.readBytes("/etc/hostname", limit: 3) == Array("ins".utf8))
    }

    @Test func realRootReadsProcFiles() throws {
        let text = try RootDirectory().readFileText("/proc/self/status", limit: .kernelFile)
        #expect(text?.contains("Name:") == true)
    }
}

/// The readers built on the gateway: FIFOs, loops, directories and oversize files are reported, not hung on
/// or silently cut; nothing outside the tree is read.
@Suite struct GatewayReaderTests {
    @Test func fifoGrubCfgAndMountinfoAreErrorsNotHangs() throws {
        let t = HostileTreeFixture()
        defer { t.remove() }
        t.fifo("boot/grub/grub.cfg")
        t.fifo("proc/self/mountinfo")
        let root = RootDirectory(t.path)
        let grub = GrubReader.read(root: root, configFile: "/boot/grub/grub.cfg",
                                   resolver: BootPathResolver(root: root, mounts: []))
        #expect(grub.problems == ["/boot/grub/grub.cfg: is a FIFO, not a regular file"])
        let error = #expect(throws: SystemError.self) { try MountTableReader.read(root: root) }
        #expect(error?.message == "cannot read /proc/self/mountinfo: is a FIFO, not a regular file")
    }

    @Test func grubCfgOverTheCapIsAnErrorNotACut() throws {
        let t = HostileTreeFixture()
        defer { t.remove() }
        t.bytes("boot/grub/grub.cfg", [UInt8](repeating: 0x23, count: ReadLimit.grubConfig.bytes + 1))
        let root = RootDirectory(t.path)
        let grub = GrubReader.read(root: root, configFile: "/boot/grub/grub.cfg",
                                   resolver: BootPathResolver(root: root, mounts: []))
        #expect(grub.problems == ["/boot/grub/grub.cfg: larger than the \(ReadLimit.grubConfig.described) limit for a GRUB configuration"])
    }

    @Test func grubenvLoopAndDirectoryAreNamed() {
        let t = HostileTreeFixture()
        defer { t.remove() }
        t.symlink("boot/grub/grubenv", to: "grubenv")
        t.directory("boot/grub2/grubenv")
        var problems: [String] = []
        let env = GrubEnvironment.read(root: RootDirectory(t.path), candidates: ["/boot/grub/grubenv", "/boot/grub2/grubenv"],
                                       problems: &problems)
        #expect(env == nil)
        #expect(problems == ["/boot/grub/grubenv: symlink loop", "/boot/grub2/grubenv: is a directory, not a regular file"])
    }

    @Test func endlessMountinfoLineIsAnError() throws {
        let t = HostileTreeFixture()
        defer { t.remove() }
        t.bytes("proc/self/mountinfo", [UInt8](repeating: 0x41, count: 200_000))
        let error = #expect(throws: SystemError.self) { try MountTableReader.read(root: RootDirectory(t.path)) }
        #expect(error?.message == "/proc/self/mountinfo is malformed: line 1 is longer than 64 KiB")
    }

    @Test func mountinfoSymlinkedOutsideTheTreeIsNotTheHostTable() throws {
        let t = HostileTreeFixture()
        defer { t.remove() }
        t.directory("proc/self")
        t.symlink("proc/self/mountinfo", to: "/proc/self/mountinfo")   // inside the tree: does not exist
        #expect(throws: SystemError.self) { try MountTableReader.read(root: RootDirectory(t.path)) }
    }
}
