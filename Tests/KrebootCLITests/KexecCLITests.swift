import Foundation
import Testing

/// `kreboot inspect` and `kreboot status` run as a user would. `load` and `unload` are run only where they
/// stop before any system call (usage errors): tests never load a kernel.
@Suite final class KexecCLITests {
    let dir = NSTemporaryDirectory() + "kreboot-kexec-cli-\(UUID().uuidString)"

    init() throws {
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
    }

    deinit { try? FileManager.default.removeItem(atPath: dir) }

    /// A bzImage header good enough for the inspector, written at `name` in the test directory.
    func bzImage(_ name: String, release: String = "6.1.0-28-amd64") throws -> String {
        var bytes = [UInt8](repeating: 0, count: 0x3000)
        bytes[0x1F1] = 4
        bytes[0x1FE] = 0x55; bytes[0x1FF] = 0xAA
        bytes.replaceSubrange(0x202..<0x206, with: Array("HdrS".utf8))
        bytes[0x206] = 0x0F; bytes[0x207] = 0x02
        bytes[0x20E] = 0x00; bytes[0x20F] = 0x02  // version string at 0x400
        bytes[0x234] = 1
        bytes[0x236] = 0x03
        let version = Array("\(release) (debian-kernel@lists.debian.org) #1 SMP PREEMPT_DYNAMIC Debian".utf8) + [0]
        bytes.replaceSubrange(0x400..<(0x400 + version.count), with: version)
        return try write(name, bytes)
    }

    func write(_ name: String, _ bytes: [UInt8]) throws -> String {
        let path = dir + "/" + name
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        return path
    }

    @Test func inspectJSON() throws {
        let kernel = try bzImage("vmlinuz-6.1.0-28-amd64")
        let result = try CLIRunner.run(["inspect", "--json", kernel])
        #expect(result.status == 0)
        let json = try result.json()
        #expect(json["kind"] as? String == "kernel")
        #expect(json["format"] as? String == "bzImage")
        #expect(json["arch"] as? String == "x86_64")
        #expect(json["release"] as? String == "6.1.0-28-amd64")
        #expect(json["path"] as? String == kernel)
    }

    @Test func inspectText() throws {
        let result = try CLIRunner.run(["inspect", try bzImage("vmlinuz")])
        #expect(result.status == 0)
        #expect(result.stdout.contains("format:       bzImage"))
        #expect(result.stdout.contains("release:      6.1.0-28-amd64"))
    }

    @Test func inspectUnderRoot() throws {
        try FileManager.default.createDirectory(atPath: dir + "/boot", withIntermediateDirectories: true)
        _ = try bzImage("boot/vmlinuz-6.1.0-29-amd64", release: "6.1.0-29-amd64")
        let result = try CLIRunner.run(["inspect", "--json", "--root", dir, "/boot/vmlinuz-6.1.0-29-amd64"])
        #expect(result.status == 0)
        #expect(try result.json()["release"] as? String == "6.1.0-29-amd64")
    }

    @Test(arguments: [("empty", [UInt8](), "empty file"),
                      ("garbage", [UInt8](repeating: 0x5A, count: 5000), "not a kernel image"),
                      ("short", [UInt8](repeating: 0, count: 10), "truncated or not a kernel image")])
    func inspectRefusesBadFiles(name: String, bytes: [UInt8], problem: String) throws {
        let path = try write(name, bytes)
        let result = try CLIRunner.run(["inspect", path])
        #expect(result.status == 65)
        #expect(result.stdout.isEmpty)
        #expect(result.stderr.hasPrefix("kreboot: \(path): "))
        #expect(result.stderr.contains(problem))
    }

    @Test func inspectRefusesATruncatedKernel() throws {
        let whole = try Data(contentsOf: URL(fileURLWithPath: try bzImage("whole")))
        let path = try write("truncated", Array(whole.prefix(0x900)))
        let result = try CLIRunner.run(["inspect", path])
        #expect(result.status == 65)
        #expect(result.stderr.contains("\(path): truncated"))
    }

    @Test func statusReadsKernelStateAndStateFile() throws {
        let root = dir + "/root"
        for (file, text) in [("/sys/kernel/kexec_loaded", "1\n"), ("/sys/kernel/kexec_crash_loaded", "0\n"),
                             ("/sys/kernel/kexec_crash_size", "0\n"), ("/proc/sys/kernel/kexec_load_disabled", "0\n")] {
            try FileManager.default.createDirectory(atPath: root + (file as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
            try text.write(toFile: root + file, atomically: true, encoding: .utf8)
        }
        let state = try write("state.json", Array("""
        {"kernel": {"kernel": "/boot/vmlinuz-6.1.0-28-amd64", "initrds": [], "commandLine": "ro", "release": "6.1.0-28-amd64",
                    "crash": false, "method": "kexec_file_load", "loadedAt": "2026-11-26T15:00:00Z"}}
        """.utf8))
        let text = try CLIRunner.run(["status", "--root", root, "--state-file", state])
        #expect(text.status == 0)
        #expect(text.stdout.contains("kernel loaded:        yes — /boot/vmlinuz-6.1.0-28-amd64 (6.1.0-28-amd64) via kexec_file_load at 2026-11-26T15:00:00Z"))
        #expect(text.stdout.contains("crash reservation:    none"))
        let json = try CLIRunner.run(["status", "--json", "--root", root, "--state-file", state]).json()
        #expect(json["kernelLoaded"] as? Bool == true)
        #expect((json["loaded"] as? [String: Any])?["release"] as? String == "6.1.0-28-amd64")
    }

    @Test func loadAndUnloadRefuseAnotherRoot() throws {
        for command in [["load", "--root", dir, "--kernel", "/boot/vmlinuz"], ["unload", "--root", dir]] {
            let result = try CLIRunner.run(command)
            #expect(result.status == 64)
            #expect(result.stderr.contains("--root is for planning"))
        }
    }
}

/// `__execute` runs nothing from a directory kreboot did not create in this boot.
@Suite struct ExecuteCLITests {
    @Test func aForeignRunDirectoryIsRefusedWith77() throws {
        let dir = NSTemporaryDirectory() + "kreboot-foreign-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        FileManager.default.createFile(atPath: dir + "/request.json", contents: Data("{}".utf8))
        let result = try CLIRunner.run(["__execute", "--run-dir", dir])
        #expect(result.status == 77)
        #expect(result.stderr.contains("__execute refused: \(dir): not a run directory kreboot created in this boot: not directly under /run/kreboot/runs"))
    }
}
