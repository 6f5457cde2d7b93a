@testable import Quiesce
import LinuxSystem
import Foundation
import Glibc
import Testing

/// The /proc walk that names the processes holding files open for writing: every read relative to
/// directories already open, links read and never resolved as paths, nothing odd in /proc waited on.
@Suite struct MountWriterScannerTests {
    /// A temporary directory removed at the end.
    final class Scratch {
        let path: String
        init() {
            var template = Array("/tmp/kreboot-writers-XXXXXX".utf8CString)
            path = String(cString: mkdtemp(&template)!)
        }
        func file(_ relative: String, _ text: String) {
            try? FileManager.default.createDirectory(atPath: (path + "/" + relative as NSString).deletingLastPathComponent,
                                                     withIntermediateDirectories: true)
            FileManager.default.createFile(atPath: path + "/" + relative, contents: Data(text.utf8))
        }
        func symlink(_ relative: String, to target: String) {
            try? FileManager.default.createDirectory(atPath: (path + "/" + relative as NSString).deletingLastPathComponent,
                                                     withIntermediateDirectories: true)
            _ = Glibc.symlink(target, path + "/" + relative)
        }
        deinit { try? FileManager.default.removeItem(atPath: path) }
    }

    @Test func thisProcessWritingAFileIsFoundInTheReal_proc() throws {
        let scratch = Scratch()
        let file = scratch.path + "/held"
        let fd = open(file, O_WRONLY | O_CREAT | O_CLOEXEC, 0o600)
        try #require(fd >= 0)
        defer { close(fd) }
        let writers = try MountWriterScanner().writers(of: scratch.path)
        let mine = writers.filter { $0.pid == getpid() }
        #expect(mine.contains { $0.file == file })
    }

    @Test func aFakeProcessIsReadThroughItsDirectoriesAndItsLinkIsNotFollowedAsAPath() throws {
        let scratch = Scratch()
        let target = scratch.path + "/data/log"
        scratch.file("data/log", "x")
        scratch.file("proc/4242/comm", "writer\n")
        scratch.file("proc/4242/fdinfo/3", "pos:\t0\nflags:\t0100001\nmnt_id:\t27\n")
        scratch.symlink("proc/4242/fd/3", to: target)
        var st = stat()
        try #require(stat(target, &st) == 0)
        let writers = MountWriterScanner(procRoot: scratch.path + "/proc").writers(onDevice: st.st_dev)
        #expect(writers == [MountWriter(pid: 4242, command: "writer", file: target)])
    }

    @Test func aProcessDirectoryThatIsASymlinkIsSkipped() throws {
        let scratch = Scratch()
        let target = scratch.path + "/data/log"
        scratch.file("data/log", "x")
        scratch.file("elsewhere/comm", "planted\n")
        scratch.file("elsewhere/fdinfo/3", "flags:\t01\n")
        scratch.symlink("elsewhere/fd/3", to: target)
        scratch.symlink("proc/77", to: scratch.path + "/elsewhere")
        var st = stat()
        try #require(stat(target, &st) == 0)
        #expect(MountWriterScanner(procRoot: scratch.path + "/proc").writers(onDevice: st.st_dev).isEmpty)
    }

    @Test func aFIFOInPlaceOfFdinfoOrCommDoesNotHang() throws {
        let scratch = Scratch()
        let target = scratch.path + "/data/log"
        scratch.file("data/log", "x")
        try FileManager.default.createDirectory(atPath: scratch.path + "/proc/5/fdinfo", withIntermediateDirectories: true)
        try #require(mkfifo(scratch.path + "/proc/5/fdinfo/3", 0o600) == 0)
        try #require(mkfifo(scratch.path + "/proc/5/comm", 0o600) == 0)
        scratch.symlink("proc/5/fd/3", to: target)
        scratch.file("proc/6/fdinfo/3", "flags:\t02\n")
        scratch.symlink("proc/6/fd/3", to: target)
        try #require(mkfifo(scratch.path + "/proc/6/comm", 0o600) == 0)
        var st = stat()
        try #require(stat(target, &st) == 0)
        // Process 5's fdinfo is a FIFO: not read, no writer. Process 6 writes, its comm is a FIFO: "?".
        #expect(MountWriterScanner(procRoot: scratch.path + "/proc").writers(onDevice: st.st_dev)
                == [MountWriter(pid: 6, command: "?", file: target)])
    }
}
