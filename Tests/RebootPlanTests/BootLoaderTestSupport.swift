@testable import RebootPlan
import LinuxSystem
import KexecCore
import Foundation

/// Helpers shared by the boot loader tests: fixture roots, hand-built mount tables, scratch trees.
enum BootLoaderFixtures {
    static let fixturesPath = Bundle.module.url(forResource: "Fixtures", withExtension: nil)!.path

    static func root(_ name: String) -> RootDirectory {
        RootDirectory(fixturesPath + "/" + name)
    }

    static func read(_ name: String, mounts: [MountEntry] = [], machineID: String? = nil) -> BootLoaderDiscovery {
        BootLoaderReader.read(root: root(name), mounts: mounts, machineID: machineID)
    }

    /// A mount table with / and the given extra mount points, each on its own device.
    static func mounts(_ targets: [String], rootFSRoot: String = "/") -> [MountEntry] {
        var result = [MountEntry(id: 22, parentID: 1, source: "/dev/vda3", target: "/", fstype: "ext4", fsRoot: rootFSRoot, device: "252:3")]
        for (n, target) in targets.enumerated() {
            result.append(MountEntry(id: 45 + n, parentID: 22, source: "/dev/vda\(n + 1)", target: target,
                                     fstype: target.hasSuffix("efi") ? "vfat" : "ext4", device: "252:\(n + 1)"))
        }
        return result
    }

    /// A fresh scratch directory for a tree built by the test; files are created with `write`.
    final class ScratchTree {
        let path: String
        init() {
            path = NSTemporaryDirectory() + "kreboot-bootloader-" + UUID().uuidString
            try! FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        }
        deinit { try? FileManager.default.removeItem(atPath: path) }

        var root: RootDirectory { RootDirectory(path) }

        /// Reads the boot loader configuration of this tree (keeping the tree alive while it is read).
        func readBootLoader(mounts: [MountEntry] = []) -> BootLoaderDiscovery {
            withExtendedLifetime(self) { BootLoaderReader.read(root: root, mounts: mounts, machineID: nil) }
        }

        func write(_ target: String, _ text: String) {
            write(target, bytes: Array(text.utf8))
        }

        func write(_ target: String, bytes: [UInt8]) {
            let full = path + target
            try! FileManager.default.createDirectory(atPath: (full as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
            _ = FileManager.default.createFile(atPath: full, contents: Data(bytes))
        }

        func link(_ target: String, to destination: String) {
            let full = path + target
            try! FileManager.default.createDirectory(atPath: (full as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
            try! FileManager.default.createSymbolicLink(atPath: full, withDestinationPath: destination)
        }
    }
}
