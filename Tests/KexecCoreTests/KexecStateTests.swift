@testable import KexecCore
import LinuxSystem
import KrebootTestSupport
import Foundation
import Testing

@Suite struct KexecStateTests {
    let image = KexecImage(kernel: "/boot/vmlinuz-6.1.0-28-amd64", initrds: ["/boot/initrd.img-6.1.0-28-amd64"], commandLine: "root=/dev/vda1 ro")
    let info = KernelImageInfo(format: .bzImage, arch: "x86_64", release: "6.1.0-28-amd64")

    @Test func recordsLoadsAndUnloads() throws {
        let dir = try KexecTestFiles.directory()
        defer { KexecTestFiles.remove(dir) }
        let file = KexecStateFile(path: dir + "/run/kreboot/state.json")
        #expect(file.read() == KexecState())
        let record = KexecLoadRecord(image: image, info: info, crash: false, method: .fileSyscall,
                                     loadedAt: Date(timeIntervalSince1970: 1_700_000_000))
        try file.recordLoad(record)
        let crash = KexecLoadRecord(image: image, info: info, crash: true, method: .kexecTools)
        try file.recordLoad(crash)
        #expect(file.read() == KexecState(kernel: record, crash: crash))
        #expect(record.loadedAt == "2023-11-14T22:13:20Z")
        try file.recordUnload(crash: false)
        #expect(file.read() == KexecState(kernel: nil, crash: crash))
    }

    @Test func statusDropsWhatTheKernelContradicts() {
        let record = KexecLoadRecord(image: image, info: info, crash: false, method: .fileSyscall)
        let status = KexecStatus(kernel: KernelState(kexecLoaded: false, kexecCrashLoaded: true, kexecCrashSize: 268435456),
                                 recorded: KexecState(kernel: record))
        #expect(status.loaded == nil)
        #expect(status.crashReserved == 268435456)
        #expect(status.notes.count == 2)
        #expect(status.notes[0].contains("unloaded by another tool"))
        #expect(status.notes[1] == "a crash kernel is loaded, but not by kreboot")
        #expect(status.text.contains("crash reservation:    256 MiB (kexec_crash_size 268435456)"))
    }

    @Test func statusShowsTheFirmwareAndSecureBoot() {
        var kernel = KernelState(kexecLoaded: false, lockdown: .integrity)
        kernel.efiBooted = true
        kernel.secureBoot = true
        let status = KexecStatus(kernel: kernel, recorded: KexecState())
        #expect(status.secureBoot == true)
        #expect(status.text.contains("firmware:             UEFI, Secure Boot enabled (SecureBoot EFI variable read)"))
        kernel.secureBoot = nil
        #expect(KexecStatus(kernel: kernel, recorded: KexecState()).text.contains("firmware:             UEFI, Secure Boot state not readable (efivarfs)"))
    }

    @Test func statusKeepsWhatTheKernelConfirms() {
        let record = KexecLoadRecord(image: image, info: info, crash: false, method: .fileSyscall)
        let status = KexecStatus(kernel: KernelState(kexecLoaded: true, kexecCrashLoaded: false), recorded: KexecState(kernel: record))
        #expect(status.loaded == record)
        #expect(status.notes.isEmpty)
        #expect(status.text[0].hasPrefix("kernel loaded:        yes — /boot/vmlinuz-6.1.0-28-amd64 + /boot/initrd.img-6.1.0-28-amd64 (6.1.0-28-amd64)"))
    }
}

@Suite struct TrackedKexecLoaderTests {
    @Test func recordsWhatWasLoadedAndForgetsItOnUnload() throws {
        let dir = try KexecTestFiles.directory()
        defer { KexecTestFiles.remove(dir) }
        let kernel = try KexecTestFiles.file("vmlinuz", [1, 2, 3], in: dir)
        let syscalls = RecordingKexecSyscalls()
        let state = KexecStateFile(path: dir + "/state.json")
        let loader = TrackedKexecLoader(
            loader: FallbackKexecLoader(primary: FileSyscallLoader(syscalls: syscalls), fallback: nil, lockdown: nil), stateFile: state)
        let (record, problem) = try loader.loadAndRecord(KexecImage(kernel: kernel, commandLine: "ro"), crash: true)
        #expect(problem == nil)
        #expect(record.method == .fileSyscall)
        #expect(record.crash)
        #expect(record.release == nil)  // not a kernel image: recorded all the same
        #expect(state.read().crash == record)
        try loader.unload(crash: true)
        #expect(state.read() == KexecState())
        #expect(syscalls.calls.count == 2)
    }

    @Test func aRefusedLoadRecordsNothing() throws {
        let dir = try KexecTestFiles.directory()
        defer { KexecTestFiles.remove(dir) }
        let kernel = try KexecTestFiles.file("vmlinuz", [1, 2, 3], in: dir)
        let syscalls = RecordingKexecSyscalls()
        syscalls.answerFileLoad(.permissionDenied)
        let state = KexecStateFile(path: dir + "/state.json")
        let loader = TrackedKexecLoader(
            loader: FallbackKexecLoader(primary: FileSyscallLoader(syscalls: syscalls), fallback: nil, lockdown: nil), stateFile: state)
        #expect(throws: KexecError.self) { try loader.load(KexecImage(kernel: kernel, commandLine: "ro"), crash: false) }
        #expect(state.read() == KexecState())
    }
}
