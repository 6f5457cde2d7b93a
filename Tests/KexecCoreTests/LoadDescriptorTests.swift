@testable import KexecCore
import LinuxSystem
import KrebootTestSupport
import Foundation
import Testing
import SystemPackage
#if canImport(Glibc)
import Glibc
#endif

/// kexec_file_load's loader opens the kernel once: the UKI's parts, the inflated image and the description
/// of what was loaded all come from that descriptor, never from the path again.
@Suite struct LoadDescriptorTests {
    /// A fake kexec_file_load that, while "loading", puts another file at the kernel's path (as an attacker
    /// or a package upgrade racing the load would) and records what it was given.
    final class SwappingSyscalls: KexecSyscalls, @unchecked Sendable {
        let path: String
        let replacement: [UInt8]
        var kernelHead: [UInt8] = []
        var initrd: [UInt8] = []
        init(path: String, replacement: [UInt8]) {
            self.path = path
            self.replacement = replacement
        }
        func kexecFileLoad(kernelFD: Int32, initrdFD: Int32, commandLine: String, flags: KexecFileFlags) -> Errno? {
            kernelHead = Self.bytes(kernelFD)
            if initrdFD >= 0 { initrd = Self.bytes(initrdFD) }
            let temporary = path + ".new"
            FileManager.default.createFile(atPath: temporary, contents: Data(replacement))
            rename(temporary, path)
            return nil
        }
        func rebootKexec() -> Errno { .invalidArgument }
        static func bytes(_ fd: Int32) -> [UInt8] {
            var buffer = [UInt8](repeating: 0, count: 64)
            let n = pread(fd, &buffer, buffer.count, 0)
            return Array(buffer.prefix(max(0, n)))
        }
    }

    @Test func theDescriptionIsOfTheLoadedBytesEvenWhenThePathChangesDuringTheLoad() throws {
        let dir = try KexecTestFiles.directory()
        defer { KexecTestFiles.remove(dir) }
        let kernel = try KexecTestFiles.file("vmlinuz", TestImages.bzImage(), in: dir)
        let fake = SwappingSyscalls(path: kernel, replacement: TestImages.uki(uname: "9.9.9-other"))
        let loaded = try #require(try FileSyscallLoader(syscalls: fake).loadDescribing(KexecImage(kernel: kernel, commandLine: "ro"), crash: false))
        #expect(loaded.info?.format == .bzImage)
        #expect(loaded.info?.release == "6.1.0-28-amd64")
        #expect(loaded.commandLine == "ro")
        // The path now holds something else: a fresh inspection would say so.
        #expect(try KernelImageInspector.inspect(hostPath: kernel).get().format != .bzImage)
    }

    @Test func aUKIsPartsAndCommandLineComeFromTheOneDescriptor() throws {
        let dir = try KexecTestFiles.directory()
        defer { KexecTestFiles.remove(dir) }
        let kernel = try KexecTestFiles.file("linux.efi", KexecTestFiles.uki(linux: [0x4d, 0x5a, 7, 7], initrd: [5, 5, 5], cmdline: "root=/dev/sda2\0"), in: dir)
        let fake = SwappingSyscalls(path: kernel, replacement: [0, 0, 0, 0])
        let loaded = try #require(try FileSyscallLoader(syscalls: fake).loadDescribing(KexecImage(kernel: kernel, commandLine: ""), crash: false))
        #expect(fake.kernelHead == [0x4d, 0x5a, 7, 7])
        #expect(fake.initrd == [5, 5, 5, 0])
        #expect(loaded.commandLine == "root=/dev/sda2")
    }

    @Test func aFIFOInPlaceOfTheKernelIsRefusedWithoutWaiting() throws {
        let dir = try KexecTestFiles.directory()
        defer { KexecTestFiles.remove(dir) }
        try #require(mkfifo(dir + "/vmlinuz", 0o600) == 0)
        let error = #expect(throws: KexecError.self) {
            try FileSyscallLoader(syscalls: RecordingKexecSyscalls()).load(KexecImage(kernel: dir + "/vmlinuz", commandLine: ""), crash: false)
        }
        #expect(error?.message.contains("\(dir)/vmlinuz") == true)
    }

    @Test func theTrackedLoaderRecordsWhatTheFileSyscallLoaded() throws {
        let dir = try KexecTestFiles.directory()
        defer { KexecTestFiles.remove(dir) }
        let kernel = try KexecTestFiles.file("vmlinuz", TestImages.bzImage(), in: dir)
        let fake = SwappingSyscalls(path: kernel, replacement: [1, 2, 3])
        let loader = TrackedKexecLoader(loader: FallbackKexecLoader(primary: FileSyscallLoader(syscalls: fake), fallback: nil, lockdown: nil),
                                        stateFile: KexecStateFile(path: dir + "/state.json"))
        let (record, _) = try loader.loadAndRecord(KexecImage(kernel: kernel, commandLine: "quiet"), crash: false)
        #expect(record.release == "6.1.0-28-amd64")
        #expect(record.commandLine == "quiet")
    }
}
