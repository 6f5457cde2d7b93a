import LinuxSystem
import Foundation
@testable import KexecCore
@testable import RebootPlan
@testable import Kdump

/// One fuzz target: a parser, the fixture files that seed it, and how it is fed (text, or a file on disk).
struct FuzzTarget {
    var name: String
    /// Fixture file names (last path component) that seed this target.
    var seedNames: [String]
    /// Seeds made here (binary headers there are no fixture files for).
    var builtSeeds: [[UInt8]] = []
    var maxSize = 64 << 10
    /// Runs the parser on one input; `scratch` is a private directory for targets that read files.
    var run: (_ input: [UInt8], _ scratch: String) -> Void
}

enum FuzzTargets {
    static func text(_ bytes: [UInt8]) -> String { String(decoding: bytes, as: UTF8.self) }

    static func write(_ bytes: [UInt8], _ path: String) {
        try? FileManager.default.createDirectory(atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        FileManager.default.createFile(atPath: path, contents: Data(bytes))
    }

    static var all: [FuzzTarget] { [
        FuzzTarget(name: "grub-cfg", seedNames: ["grub.cfg", "custom.cfg"]) { input, scratch in
            write(input, scratch + "/boot/grub/grub.cfg")
            write(input.reversed(), scratch + "/boot/grub/custom.cfg")
            let root = RootDirectory(scratch)
            _ = GrubReader.read(root: root, configFile: "/boot/grub/grub.cfg", resolver: BootPathResolver(root: root, mounts: []))
        },
        FuzzTarget(name: "grubenv", seedNames: ["grubenv"]) { input, _ in
            var problems: [String] = []
            let env = GrubEnvironment.parse(text(input), file: "/boot/grub/grubenv", problems: &problems)
            _ = env.nextEntry
            _ = GrubEnvironment.setting("next_entry", to: "x", in: input)
        },
        FuzzTarget(name: "bls-loader-conf", seedNames: ["loader.conf", "windows.conf"], run: { input, _ in
            _ = BLSEntryParser.parse(text(input), fileName: "e.conf", file: "/boot/loader/entries/e.conf")
            _ = LoaderConf.parse(text(input), file: "/boot/loader/loader.conf")
        }),
        FuzzTarget(name: "mountinfo", seedNames: ["mountinfo", "mtab"], maxSize: 256 << 10) { input, scratch in
            write(input, scratch + "/proc/self/mountinfo")
            if let table = try? MountTableReader.read(root: RootDirectory(scratch)) {
                _ = MountClassifier.mountsToUnmount(table.entries)
            }
        },
        FuzzTarget(name: "kdump-config", seedNames: ["kdump", "kdump-tools"]) { input, _ in
            _ = KdumpConfigReader.parse(text: text(input), file: "/etc/sysconfig/kdump")
        },
        FuzzTarget(name: "proc-files", seedNames: ["iomem", "meminfo", "status", "uid_map", "lockdown"]) { input, _ in
            let t = text(input)
            _ = KernelStateReader.parseCrashRegions(t)
            _ = KernelStateReader.parseMemTotal(t)
            _ = KernelStateReader.parseLockdown(t)
            let iomem = CalibrationInputsReader.IomemSummary(text: t)
            _ = CrashkernelCalibrator.calibrate(CalibrationInputs(ramBytes: iomem.systemRAMBytes, arch: "x86_64",
                                                                  reservedBytes: iomem.crashKernelBytes))
        },
        FuzzTarget(name: "kernel-image", seedNames: ["vmlinuz-6.1.0-28-amd64", "vmlinuz-linux", "linux"],
                   builtSeeds: FuzzSeeds.images, maxSize: 256 << 10) { input, scratch in
            write(input, scratch + "/vmlinuz")
            _ = KernelImageInspector.inspect(hostPath: scratch + "/vmlinuz")
            _ = UKILayout.read(hostPath: scratch + "/vmlinuz")
        },
        FuzzTarget(name: "vmcore", seedNames: [], builtSeeds: FuzzSeeds.vmcores, maxSize: 256 << 10) { input, scratch in
            write(input, scratch + "/vmcore")
            _ = VmcoreInspector.inspect(path: scratch + "/vmcore")
        },
    ] }
}
