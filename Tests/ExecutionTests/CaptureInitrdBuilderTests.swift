import Execution
import Foundation
import Kdump
import KrebootTestSupport
import LinuxSystem
import RebootPlan
import Synchronization
import Testing

/// `CaptureInitrdBuilder.build` under a temporary root, with a fake mkinitramfs: the configuration directory
/// (links to the production one plus the override), the rename into place, the stamp, and a failed build that
/// leaves nothing behind.
@Suite struct CaptureInitrdBuilderTests {
    /// Writes what mkinitramfs would (its -o file under `root`) unless told to fail.
    final class FakeMkinitramfs: SubprocessRunner {
        let root: String
        let status: Int32
        let seen = Mutex<[String: String]>([:])
        init(root: String, status: Int32 = 0) { self.root = root; self.status = status }

        func run(_ argv: [String], options: SubprocessOptions) throws(SystemError) -> SubprocessResult {
            let confDir = root + argv[2]
            let override = (try? String(contentsOfFile: confDir + "/conf.d/zzz-kreboot-capture", encoding: .utf8)) ?? ""
            let link = (try? FileManager.default.destinationOfSymbolicLink(atPath: confDir + "/hooks")) ?? ""
            seen.withLock { $0 = ["override": override, "hooks": link] }
            if status == 0 { try? "small initrd".write(toFile: root + argv[4], atomically: false, encoding: .utf8) }
            else { try? "half".write(toFile: root + argv[4], atomically: false, encoding: .utf8) }
            return SubprocessResult(status: status, output: status == 0 ? "" : "E: /etc/initramfs-tools/hooks/x failed with return 1.\n")
        }
    }

    static let release = "6.12.117+deb12-amd64"
    static let production = "/boot/initrd.img-\(release)"

    static func temporaryRoot() throws -> String {
        let dir = NSTemporaryDirectory() + "/kreboot-initrd-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: dir + "/boot", withIntermediateDirectories: true)
        try String(repeating: "p", count: 4096).write(toFile: dir + production, atomically: false, encoding: .utf8)
        return dir
    }

    static func build() throws -> CaptureInitrdBuild {
        let inputs = CaptureInitrdInputs(mkinitramfs: "/usr/sbin/mkinitramfs", initramfsConf: "MODULES=most\n",
                                         otherEntries: ["hooks", "scripts"], deviceHandlers: ["scsi_dh_alua"])
        guard case .build(let build) = CaptureInitrdRecipe.decide(inputs: inputs, release: release, initrds: [production],
                                                                  configNamesFiles: false, existing: nil) else {
            throw CancellationError()
        }
        return build
    }

    @Test func aBuildPutsTheInitrdInPlaceWithAStampThatMakesItFresh() throws {
        let dir = try Self.temporaryRoot()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let root = RootDirectory(dir)
        let runner = FakeMkinitramfs(root: dir)
        let build = try Self.build()
        // A leftover configuration directory from an earlier build is replaced.
        try FileManager.default.createDirectory(atPath: dir + build.configDirectory + "/conf.d", withIntermediateDirectories: true)
        try "MODULES=list\n".write(toFile: dir + build.configDirectory + "/conf.d/old", atomically: false, encoding: .utf8)

        guard case .built(let path, let bytes, _) = CaptureInitrdBuilder(root: root, runner: runner).build(build) else {
            Issue.record("the build did not succeed")
            return
        }
        #expect(path == CaptureInitrd.path(release: Self.release))
        #expect(bytes == 12)
        #expect(runner.seen.withLock { $0 } == ["override": "# kreboot's capture initrd: only the drivers this machine needs\nMODULES=dep\n",
                                                "hooks": "/etc/initramfs-tools/hooks"])
        #expect(!FileManager.default.fileExists(atPath: dir + build.configDirectory + "/conf.d/old"))
        #expect((try? String(contentsOfFile: dir + build.configDirectory + "/modules", encoding: .utf8)) == "scsi_dh_alua\n")
        #expect(!FileManager.default.fileExists(atPath: dir + build.temporaryOutput))
        let read = try #require(CaptureInitrdReader.read(root: root, release: Self.release))
        #expect(read.isFresh)
        #expect(read.stamp?.source == Self.production)
        #expect(read.stamp?.sourceBytes == 4096)
    }

    @Test func aFailedBuildNamesTheCommandAndLeavesNothingBehind() throws {
        let dir = try Self.temporaryRoot()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let outcome = CaptureInitrdBuilder(root: RootDirectory(dir), runner: FakeMkinitramfs(root: dir, status: 1)).build(try Self.build())
        #expect(outcome == .failed("/usr/sbin/mkinitramfs -d /var/lib/kreboot/capture-initrd/initramfs-tools -o "
            + "/var/lib/kreboot/capture-initrd/initrd.img-\(Self.release).new \(Self.release) exited 1: "
            + "E: /etc/initramfs-tools/hooks/x failed with return 1."))
        #expect(!FileManager.default.fileExists(atPath: dir + CaptureInitrd.path(release: Self.release)))
        #expect(!FileManager.default.fileExists(atPath: dir + CaptureInitrd.path(release: Self.release) + ".new"))
        #expect(CaptureInitrdReader.read(root: RootDirectory(dir), release: Self.release) == nil)
    }
}
