@testable import Kdump
@testable import KexecCore
import RebootPlan
import LinuxSystem
import KrebootTestSupport
import Foundation
import Testing

/// Dumps made by the real makedumpfile (never stored in the repository) from a synthetic kernel
/// vmcore, identified by the inspector; and the whole save-dump flow with the real binary.
@Suite(.enabled(if: FileManager.default.isExecutableFile(atPath: "/usr/bin/makedumpfile")))
final class KdumpRealMakedumpfileTests {
    let dir = KdumpFixtures.temporaryDirectory()
    var source: String { dir + "/vmcore-source" }

    init() throws {
        try KdumpFixtures.writeSyntheticKernelVmcore(to: dir + "/vmcore-source")
    }

    /// The makedumpfile outputs are up to 64 MiB each: remove them after every test.
    deinit {
        try? FileManager.default.removeItem(atPath: dir)
    }

    func makedumpfile(_ options: [String], output: String) -> SubprocessResult {
        SpawnSubprocessRunner().runReportingSpawnFailure(["/usr/bin/makedumpfile"] + options + [source, output])
    }

    @Test func sourceIsAnElfVmcore() throws {
        let info = try VmcoreInspector.inspect(path: source).get()
        #expect(info.format == .elf)
        #expect(info.release == "6.1.0-28-amd64")
    }

    @Test(arguments: [(["-c", "-d", "0"], "zlib"), (["-l", "-d", "0"], "lzo")])
    func kdumpCompressedFromRealMakedumpfile(options: [String], compression: String) throws {
        let output = dir + "/out-\(compression)"
        let result = makedumpfile(options, output: output)
        try #require(result.status == 0, "makedumpfile: \(result.lastLine ?? "")")
        let info = try VmcoreInspector.inspect(path: output).get()
        #expect(info.format == .kdumpCompressed)
        #expect(info.arch == "x86_64")
        #expect(info.release == "6.1.0-28-amd64")
        #expect(info.crashTime == 1_732_632_226)
        #expect(info.pageSize == 4096)
        #expect(info.dumpLevel == 0)
        #expect(info.compression == compression)
        #expect(info.incomplete == false)
        #expect((info.headerVersion ?? 0) >= 6)
    }

    @Test func elfFromRealMakedumpfile() throws {
        let output = dir + "/out-elf"
        try #require(makedumpfile(["-E", "-d", "0"], output: output).status == 0)
        let info = try VmcoreInspector.inspect(path: output).get()
        #expect(info.format == .elf)
        #expect(info.release == "6.1.0-28-amd64")
        #expect(info.crashTime == 1_732_632_226)
    }

    @Test func flattenedFromRealMakedumpfile() throws {
        for (options, inner) in [(["-l", "-d", "0", "-F"], VmcoreInfo.Format.kdumpCompressed), (["-E", "-d", "0", "-F"], .elf)] {
            let output = dir + "/out-flat-\(inner.rawValue)"
            let result = SpawnSubprocessRunner().runReportingSpawnFailure(["/bin/sh", "-c", "exec /usr/bin/makedumpfile \"$@\" > \"$0\"", output]
                                                                          + options + [source])
            try #require(result.status == 0, "makedumpfile -F: \(result.lastLine ?? "")")
            let info = try VmcoreInspector.inspect(path: output).get()
            #expect(info.format == .flattened)
            #expect(info.innerFormat == inner)
            #expect(info.arch == "x86_64")
            #expect(info.release == "6.1.0-28-amd64")
            #expect(info.crashTime == 1_732_632_226)
        }
    }

    @Test func saveDumpFlowWithTheRealBinary() throws {
        let record = KdumpTestRecord(id: "real-1", time: "2026-11-26T15:00:00Z", release: "6.1.0-28-amd64")
        try record.write(path: dir + "/kdump-test.json")
        let config = KdumpConfig(file: "/etc/sysconfig/kdump", saveDir: "file://" + dir + "/crash", freeDiskSizeMiB: 1,
                                 dumpLevel: 0, dumpFormat: "lzo")
        let saver = DumpSaver(vmcorePath: source, config: config, testRecordPath: dir + "/kdump-test.json")
        let result = try saver.save()
        // The synthetic kernel has no log buffer: --dump-dmesg fails cleanly and the save goes on.
        #expect(result.dmesg == nil)
        #expect(result.warnings.filter { $0.contains("--dump-dmesg") }.count == 1)
        // Debian 12's makedumpfile 1.7.2 does not know 6.1 and says so; a newer one does not: either is kept.
        #expect(result.warnings.allSatisfy { $0.contains("--dump-dmesg") || $0.hasPrefix("makedumpfile does not know this kernel's version") })
        let info = try VmcoreInspector.inspect(path: try #require(result.vmcore)).get()
        #expect(info.format == .kdumpCompressed)
        #expect(info.compression == "lzo")
        #expect(!FileManager.default.fileExists(atPath: result.directory + "/vmcore-incomplete"))
        let resolved = try #require(try KdumpTestRecord.resolveStored(path: dir + "/kdump-test.json", saveDir: dir + "/crash"))
        #expect(resolved.state == .succeeded)
    }
}
