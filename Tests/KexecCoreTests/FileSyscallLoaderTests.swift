@testable import KexecCore
import LinuxSystem
import KrebootTestSupport
import Testing
import SystemPackage

@Suite final class FileSyscallLoaderTests {
    let dir: String
    let kernel: String

    init() throws {
        dir = try KexecTestFiles.directory()
        kernel = try KexecTestFiles.file("vmlinuz", [1, 2, 3, 4], in: dir)
    }

    deinit { KexecTestFiles.remove(dir) }

    private func fileLoads(_ fake: RecordingKexecSyscalls) -> [RecordingKexecSyscalls.FileLoad] {
        fake.calls.compactMap { if case .fileLoad(let load) = $0 { return load } else { return nil } }
    }

    @Test func loadWithoutInitrdSetsNoInitramfs() throws {
        let fake = RecordingKexecSyscalls()
        try FileSyscallLoader(syscalls: fake).load(KexecImage(kernel: kernel, commandLine: "root=/dev/vda1 ro"), crash: false)
        let loads = fileLoads(fake)
        #expect(loads == [.init(kernelPath: kernel, kernelHead: [1, 2, 3, 4], initrd: nil, commandLine: "root=/dev/vda1 ro", flags: [.noInitramfs])])
    }

    @Test func crashLoadWithOneInitrd() throws {
        let fake = RecordingKexecSyscalls()
        let initrd = try KexecTestFiles.file("initrd.img", [9, 9, 9], in: dir)
        try FileSyscallLoader(syscalls: fake).load(KexecImage(kernel: kernel, initrds: [initrd], commandLine: "irqpoll"), crash: true)
        #expect(fileLoads(fake) == [.init(kernelPath: kernel, kernelHead: [1, 2, 3, 4], initrd: [9, 9, 9], commandLine: "irqpoll", flags: [.onCrash])])
    }

    @Test func severalInitrdsAreConcatenatedIntoAMemfd() throws {
        let fake = RecordingKexecSyscalls()
        let microcode = try KexecTestFiles.file("ucode.img", [1, 2, 3, 4, 5], in: dir)
        let main = try KexecTestFiles.file("initrd.img", [6, 7, 8, 9], in: dir)
        try FileSyscallLoader(syscalls: fake).load(KexecImage(kernel: kernel, initrds: [microcode, main], commandLine: "ro"), crash: false)
        let load = try #require(fileLoads(fake).first)
        #expect(load.initrd == [1, 2, 3, 4, 5, 0, 0, 0, 6, 7, 8, 9])
        #expect(load.flags == [])
    }

    @Test func ukiIsPassedInParts() throws {
        let linux: [UInt8] = Array("fake bzImage".utf8)
        let uki = try KexecTestFiles.file("linux.efi", KexecTestFiles.uki(linux: linux, initrd: [7, 7, 7, 7, 7], cmdline: "root=/dev/sda2 quiet\0"), in: dir)
        let extra = try KexecTestFiles.file("extra.img", [5, 5], in: dir)
        let fake = RecordingKexecSyscalls()
        let loader = FileSyscallLoader(syscalls: fake)
        try loader.load(KexecImage(kernel: uki, initrds: [extra], commandLine: ""), crash: false)
        try loader.load(KexecImage(kernel: uki, commandLine: "root=/dev/sda3"), crash: false)
        let loads = fileLoads(fake)
        try #require(loads.count == 2)
        #expect(loads[0].kernelHead == linux)
        #expect(loads[0].kernelPath?.hasPrefix("/memfd:kreboot-uki-linux") == true)
        #expect(loads[0].initrd == [7, 7, 7, 7, 7, 0, 0, 0, 5, 5, 0, 0])
        #expect(loads[0].commandLine == "root=/dev/sda2 quiet")
        #expect(loads[1].initrd == [7, 7, 7, 7, 7, 0, 0, 0])
        #expect(loads[1].commandLine == "root=/dev/sda3")
    }

    @Test func unloadFlags() throws {
        let fake = RecordingKexecSyscalls()
        let loader = FileSyscallLoader(syscalls: fake)
        try loader.unload(crash: false)
        try loader.unload(crash: true)
        #expect(fileLoads(fake).map(\.flags) == [[.unload], [.unload, .onCrash]])
        #expect(fileLoads(fake).allSatisfy { $0.kernelPath == nil && $0.initrd == nil })
    }

    @Test func missingKernelIsABadImageAndNoSyscall() {
        let fake = RecordingKexecSyscalls()
        #expect {
            try FileSyscallLoader(syscalls: fake).load(KexecImage(kernel: dir + "/missing", commandLine: ""), crash: false)
        } throws: { error in
            let e = error as! KexecError
            return e.code == .badImage && e.message.hasPrefix(dir + "/missing: cannot open kernel")
        }
        #expect(fake.calls.isEmpty)
    }

    @Test func missingInitrdNamesIt() {
        let fake = RecordingKexecSyscalls()
        #expect {
            try FileSyscallLoader(syscalls: fake).load(KexecImage(kernel: kernel, initrds: [dir + "/no-initrd"], commandLine: ""), crash: false)
        } throws: { ($0 as! KexecError).message.hasPrefix(dir + "/no-initrd: cannot open initrd") }
        #expect(fake.calls.isEmpty)
    }

    @Test func signatureRefusalIsReported() throws {
        let fake = RecordingKexecSyscalls()
        fake.answerFileLoad(Errno(rawValue: 129))  // EKEYREJECTED
        let error = try #require(throws: KexecError.self) {
            try FileSyscallLoader(syscalls: fake, lockdown: .integrity).load(KexecImage(kernel: kernel, commandLine: ""), crash: false)
        }
        #expect(error.code == .unavailable)
        #expect(error.errno?.rawValue == 129)
        #expect(error.message == "\(kernel): load: signature rejected, bad or tampered (EKEYREJECTED: the image does not match its signature); the kernel refused the image's signature: a signed kernel is required under lockdown (integrity)")
    }

    @Test func execCallsRebootAndReportsItsFailure() throws {
        let fake = RecordingKexecSyscalls()
        let error = try #require(throws: KexecError.self) { try FileSyscallLoader(syscalls: fake).exec() }
        #expect(fake.calls == [.rebootKexec])
        #expect(error.message.contains("no kernel is loaded"))
    }

    @Test func panicWritesTheSysrqFiles() throws {
        let trigger = try KexecTestFiles.file("sysrq-trigger", "", in: dir)
        let setting = try KexecTestFiles.file("sysrq", "176\n", in: dir)
        try FileSyscallLoader(syscalls: RecordingKexecSyscalls(), sysrq: SysrqTrigger(triggerPath: trigger, settingPath: setting)).panic()
        #expect(KexecTestFiles.contents(trigger) == "c")
        #expect(KexecTestFiles.contents(setting) == "1\n")
    }
}

@Suite struct EffectiveCommandLineTests {
    @Test func ukiWithoutCommandLineUsesItsSection() throws {
        let dir = try KexecTestFiles.directory()
        defer { KexecTestFiles.remove(dir) }
        let uki = try KexecTestFiles.file("linux.efi", KexecTestFiles.uki(linux: [1], initrd: [2], cmdline: "root=/dev/sda2\0"), in: dir)
        #expect(FileSyscallLoader.effectiveCommandLine(for: KexecImage(kernel: uki, commandLine: "")) == "root=/dev/sda2")
        #expect(FileSyscallLoader.effectiveCommandLine(for: KexecImage(kernel: uki, commandLine: "ro")) == "ro")
        let plain = try KexecTestFiles.file("vmlinuz", [1, 2, 3], in: dir)
        #expect(FileSyscallLoader.effectiveCommandLine(for: KexecImage(kernel: plain, commandLine: "")) == "")
    }
}

@Suite struct CompressedKernelLoadTests {
    @Test func gzippedKernelIsPassedInflated() throws {
        let dir = try KexecTestFiles.directory()
        defer { KexecTestFiles.remove(dir) }
        // A gzip member of one stored block holding a minimal arm64 Image header (magic at 56).
        var image = [UInt8](repeating: 0, count: 64)
        image[56...59] = [0x41, 0x52, 0x4D, 0x64]
        let gz = try KexecTestFiles.file("Image.gz", KexecTestFiles.storedGzip(image), in: dir)
        let fake = RecordingKexecSyscalls()
        try FileSyscallLoader(syscalls: fake).load(KexecImage(kernel: gz, commandLine: "ro"), crash: false)
        guard case .fileLoad(let load)? = fake.calls.first else { Issue.record("no kexec_file_load"); return }
        #expect(load.kernelHead == image)
        #expect(load.kernelPath?.hasPrefix("/memfd:kreboot-kernel") == true)
    }

    @Test func corruptGzipIsABadImageAndNoSyscall() throws {
        let dir = try KexecTestFiles.directory()
        defer { KexecTestFiles.remove(dir) }
        let gz = try KexecTestFiles.file("Image.gz", [0x1F, 0x8B, 8, 0, 0, 0, 0, 0, 0, 3, 0xFF, 0xFF], in: dir)
        let fake = RecordingKexecSyscalls()
        let error = try #require(throws: KexecError.self) {
            try FileSyscallLoader(syscalls: fake).load(KexecImage(kernel: gz, commandLine: "ro"), crash: false)
        }
        #expect(error.code == .badImage)
        #expect(error.message.hasPrefix(gz + ": "))
        #expect(fake.calls.isEmpty)
    }
}
