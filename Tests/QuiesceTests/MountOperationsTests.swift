@testable import Quiesce
import LinuxSystem
import KrebootTestSupport
import Foundation
import Glibc
import Testing

@Suite struct MountOperationsTests {
    @Test func localReadWriteMeansADiskFileSystemWritableAtBothLevels() {
        #expect(MountEntry(source: "/dev/vdb", target: "/srv", fstype: "ext4", vfsOptions: "rw,relatime", fsOptions: "rw").isLocalReadWrite)
        #expect(MountEntry(source: "/dev/mapper/vg-home", target: "/home", fstype: "someotherfs", vfsOptions: "rw").isLocalReadWrite)
        // Read-only at the mount, or at the superblock (a bind mount of a file system remounted ro).
        #expect(!MountEntry(source: "/dev/vda1", target: "/", fstype: "ext4", vfsOptions: "ro,relatime", fsOptions: "ro").isLocalReadWrite)
        #expect(!MountEntry(source: "/dev/vda1", target: "/mnt", fstype: "ext4", vfsOptions: "rw", fsOptions: "ro,errors=remount-ro").isLocalReadWrite)
        // Pseudo and network file systems are not local disks.
        #expect(!MountEntry(source: "tmpfs", target: "/run", fstype: "tmpfs", vfsOptions: "rw").isLocalReadWrite)
        #expect(!MountEntry(source: "udev", target: "/dev", fstype: "devtmpfs", vfsOptions: "rw").isLocalReadWrite)
        #expect(!MountEntry(source: "server:/export", target: "/net", fstype: "nfs4", vfsOptions: "rw").isLocalReadWrite)
    }

    @Test func readWriteLocalMountsReadsAMountinfoFileThroughLibmount() throws {
        let mountinfo = """
        22 27 0:21 / /proc rw,relatime - proc proc rw
        27 1 254:1 / / ro,relatime - ext4 /dev/vda1 ro,errors=remount-ro
        30 27 0:25 / /run rw,nosuid,nodev - tmpfs tmpfs rw,size=200k,mode=755
        41 27 254:16 / /srv/data rw,relatime - ext4 /dev/vdb rw
        42 27 254:32 / /srv/archive ro,relatime - xfs /dev/vdc ro
        43 27 0:50 / /net rw,relatime - nfs4 server:/export rw,vers=4.2

        """
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("kreboot-mountinfo-\(getpid())")
        try mountinfo.write(to: file, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(at: file) }

        let entries = try MountTableReader.read(mountInfo: file.path)
        #expect(entries.map(\.target) == ["/proc", "/", "/run", "/srv/data", "/srv/archive", "/net"])
        let data = try #require(entries.first { $0.target == "/srv/data" })
        #expect(data.id == 41 && data.parentID == 27)
        #expect(data.source == "/dev/vdb" && data.fstype == "ext4" && data.device == "254:16")

        let remaining = try LibmountMountOperations(mountInfo: file.path).readWriteLocalMounts()
        #expect(remaining.map(\.target) == ["/srv/data"])
    }

    @Test func aMissingMountTableIsAnErrorNamingTheFile() {
        #expect(throws: QuiesceError.self) {
            try LibmountMountOperations(mountInfo: "/nonexistent/mountinfo").readWriteLocalMounts()
        }
    }

    @Test func fdinfoFlagsTellWritersFromReaders() {
        #expect(MountWriterScanner.isOpenForWriting(fdinfo: "pos:\t0\nflags:\t0100001\nmnt_id:\t27\n"))   // O_WRONLY
        #expect(MountWriterScanner.isOpenForWriting(fdinfo: "pos:\t0\nflags:\t02100002\nmnt_id:\t27\n"))  // O_RDWR|O_CLOEXEC
        #expect(!MountWriterScanner.isOpenForWriting(fdinfo: "pos:\t0\nflags:\t02100000\nmnt_id:\t27\n")) // O_RDONLY
        #expect(!MountWriterScanner.isOpenForWriting(fdinfo: "pos:\t0\nmnt_id:\t27\n"))
    }

    /// Read-only scan of this host's /proc: a file this process holds open for writing in the temporary
    /// directory shows this process as a writer of that file system; one held read-only does not.
    @Test func writersFindsThisProcessHoldingATemporaryFileForWriting() throws {
        let directory = FileManager.default.temporaryDirectory.path
        let written = "\(directory)/kreboot-writer-\(getpid())"
        let read = "\(directory)/kreboot-reader-\(getpid())"
        let writeFD = open(written, O_WRONLY | O_CREAT | O_CLOEXEC, 0o600)
        try #require(writeFD >= 0)
        defer { close(writeFD); unlink(written) }
        #expect(FileManager.default.createFile(atPath: read, contents: Data("x".utf8)))
        let readFD = open(read, O_RDONLY | O_CLOEXEC)
        try #require(readFD >= 0)
        defer { close(readFD); unlink(read) }

        let writers = try LibmountMountOperations().writers(of: directory)
        let mine = writers.filter { $0.pid == getpid() }
        #expect(mine.contains { $0.file == written })
        #expect(!mine.contains { $0.file == read })
        let comm = try String(contentsOfFile: "/proc/self/comm", encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(mine.first?.command == comm)
    }

    @Test func writersOfAMissingPathThrows() {
        #expect(throws: QuiesceError.self) { try LibmountMountOperations().writers(of: "/nonexistent/kreboot") }
    }
}

@Suite struct UnmountOfAPathNoLongerMountedTests {
    /// The table does not list the path, so unmount returns without calling umount(2) at all.
    @Test func aPathTheMountTableDoesNotListIsAlreadyUnmounted() throws {
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("kreboot-mountinfo-gone-\(getpid())")
        try "27 1 254:1 / / ro,relatime - ext4 /dev/vda1 ro\n".write(to: file, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(at: file) }
        try LibmountMountOperations(mountInfo: file.path).unmount(path: "/net/gone-\(getpid())")
    }
}
