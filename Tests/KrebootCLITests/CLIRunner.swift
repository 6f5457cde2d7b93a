import Foundation

/// Runs the built `kreboot` binary, as a user would, and captures its output and exit status.
struct CLIRunner {
    struct Result {
        var status: Int32
        var stdout: String
        var stderr: String

        /// stdout parsed as a JSON object.
        func json() throws -> [String: Any] {
            try JSONSerialization.jsonObject(with: Data(stdout.utf8)) as? [String: Any] ?? [:]
        }
    }

    /// The kreboot binary next to the test bundle (.build/debug/kreboot).
    static var binary: String {
        let bundle = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
        var dir = bundle
        for _ in 0..<4 {
            let candidate = dir.appendingPathComponent("kreboot").path
            if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
            dir = dir.deletingLastPathComponent()
        }
        return FileManager.default.currentDirectoryPath + "/.build/debug/kreboot"
    }

    /// The RebootPlanTests fixture trees in the source tree.
    static var fixtures: String {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("RebootPlanTests/Fixtures").path
    }

    static func run(_ arguments: [String]) throws -> Result {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: binary)
        process.arguments = arguments
        let out = Pipe(), err = Pipe()
        process.standardOutput = out
        process.standardError = err
        process.standardInput = FileHandle.nullDevice
        try process.run()
        let outData = out.fileHandleForReading.readDataToEndOfFile()
        let errData = err.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return Result(status: process.terminationStatus, stdout: String(decoding: outData, as: UTF8.self),
                      stderr: String(decoding: errData, as: UTF8.self))
    }
}

/// A copy of a fixture tree in a temp directory, with the kernel state of a kexec-capable machine added,
/// so that a dry run's only failures are the ones a test puts there.
struct FixtureMachine {
    let root: String

    init(_ fixture: String) throws {
        root = NSTemporaryDirectory() + "kreboot-cli-\(UUID().uuidString)"
        try FileManager.default.copyItem(atPath: CLIRunner.fixtures + "/" + fixture, toPath: root)
        try write("/sys/kernel/kexec_loaded", "0\n")
        try write("/sys/kernel/kexec_crash_loaded", "0\n")
        try write("/sys/kernel/kexec_crash_size", "268435456\n")
        try write("/proc/sys/kernel/kexec_load_disabled", "0\n")
        try write("/proc/sys/kernel/osrelease", "6.1.0-27-amd64\n")
        try write("/proc/meminfo", "MemTotal:        2014976 kB\n")
        if !FileManager.default.fileExists(atPath: root + "/proc/cmdline") {
            try write("/proc/cmdline", "BOOT_IMAGE=/boot/vmlinuz-6.1.0-27-amd64 root=UUID=3f7c2a4e-9b1d-4c8e-a5f6-2d7e8b9c0a1f ro quiet\n")
        }
        if !FileManager.default.fileExists(atPath: root + "/proc/self/mountinfo") {
            try write("/proc/self/mountinfo", """
            21 1 259:1 / / rw,relatime shared:1 - ext4 /dev/nvme0n1p2 rw,errors=remount-ro
            22 21 0:5 / /proc rw,nosuid,nodev,noexec,relatime shared:12 - proc proc rw
            23 21 259:3 / /srv/data rw,relatime shared:2 - ext4 /dev/nvme0n2 rw
            24 23 259:4 / /srv/data/cache rw,relatime shared:3 - xfs /dev/nvme0n3 rw

            """)
        }
    }

    func write(_ path: String, _ text: String) throws {
        let full = root + path
        try FileManager.default.createDirectory(atPath: (full as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        try text.write(toFile: full, atomically: true, encoding: .utf8)
    }

    func remove(_ path: String) throws { try FileManager.default.removeItem(atPath: root + path) }

    /// Puts a minimal but valid-looking x86 bzImage header at `path` (what the inspector checks).
    func writeBzImage(_ path: String, release: String) throws {
        var bytes = [UInt8](repeating: 0, count: 0x4000)
        bytes[0x1FE] = 0x55; bytes[0x1FF] = 0xAA
        bytes[0x202] = 0x48; bytes[0x203] = 0x64; bytes[0x204] = 0x72; bytes[0x205] = 0x53  // "HdrS"
        bytes[0x206] = 0x0F; bytes[0x207] = 0x02                                          // protocol 2.15
        bytes[0x1F1] = 0x1B                                                               // setup_sects
        let versionOffset = 0x1000
        bytes[0x20E] = UInt8((versionOffset - 0x200) & 0xFF); bytes[0x20F] = UInt8((versionOffset - 0x200) >> 8)
        bytes[0x211] = 0x01                                                               // loadflags: LOADED_HIGH
        bytes[0x234] = 0x01                                                               // relocatable
        bytes[0x236] = 0x03                                                               // xloadflags: 64-bit entry
        let version = Array("\(release) (debian-kernel@lists.debian.org) #1 SMP PREEMPT_DYNAMIC Debian".utf8) + [0]
        bytes.replaceSubrange(versionOffset..<(versionOffset + version.count), with: version)
        let full = root + path
        try? FileManager.default.removeItem(atPath: full)
        try Data(bytes).write(to: URL(fileURLWithPath: full))
    }

    func cleanUp() { try? FileManager.default.removeItem(atPath: root) }
}
