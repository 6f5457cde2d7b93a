@testable import Kdump
@testable import KexecCore
import RebootPlan
import LinuxSystem
import KrebootTestSupport
import Foundation
import Testing

@Suite final class KdumpSaveDumpTests {
    let dir = KdumpFixtures.temporaryDirectory()

    deinit {
        try? FileManager.default.removeItem(atPath: dir)
    }

    static let mib: UInt64 = 1 << 20

    var saveDir: String { dir + "/crash" }
    var recordPath: String { dir + "/kdump-test.json" }

    func vmcore(_ bytes: [UInt8] = KdumpFixtures.elfCore()) -> String {
        let path = dir + "/vmcore-source"
        KdumpFixtures.write(bytes, to: path)
        return path
    }

    func saver(_ config: KdumpConfig, runner: any SubprocessRunner, space: [UInt64] = [100_000 << 20],
               makedumpfile: String = "/fake/makedumpfile") -> DumpSaver {
        let sequence = SpaceSequence(space)
        return DumpSaver(vmcorePath: vmcore(), config: config, makedumpfilePath: makedumpfile, testRecordPath: recordPath,
                         runner: runner, availableBytes: { sequence.next($0) },
                         now: { Date(timeIntervalSince1970: 1_732_632_300) })
    }

    func config(_ saveDir: String? = nil, format: String? = nil, level: Int? = nil, keep: Int? = nil, free: Int? = nil) -> KdumpConfig {
        KdumpConfig(file: "/etc/sysconfig/kdump", saveDir: saveDir ?? "file://" + self.saveDir, keepOldDumps: keep,
                    freeDiskSizeMiB: free, dumpLevel: level, dumpFormat: format)
    }

    @Test func savesAtomicallyWithDmesgAndTestID() throws {
        let record = KdumpTestRecord(id: "test-42", time: "2024-11-26T14:40:00Z", release: "6.1.0-28-amd64")
        try record.write(path: recordPath)
        let fake = FakeMakedumpfile()
        let result = try saver(config(), runner: fake).save()

        #expect(result.directory == saveDir + "/2024-11-26-14:45:00")
        #expect(result.vmcore == result.directory + "/vmcore")
        #expect(result.dmesg == result.directory + "/dmesg.txt")
        #expect(result.testID == "test-42")
        #expect(result.estimateSource == "mem-usage")
        #expect(result.estimateBytes == 94400 * 4096)
        #expect(result.warnings.isEmpty)
        let names = try FileManager.default.contentsOfDirectory(atPath: result.directory).sorted()
        #expect(names == ["dmesg.txt", "kdump-test.json", "kreboot-dump.json", "vmcore"])
        #expect(FileManager.default.contents(atPath: result.vmcore!) == Data(fake.dumpBytes))
        let manifest = try #require(DumpManifest.read(directory: result.directory))
        #expect(manifest.complete)
        #expect(manifest.testID == "test-42")
        #expect(manifest.format == "lzo")
        // makedumpfile wrote to vmcore-incomplete, which was renamed.
        let dumpCall = try #require(fake.calls.last)
        #expect(dumpCall == ["/fake/makedumpfile", "-l", "-d", "31", dir + "/vmcore-source", result.directory + "/vmcore-incomplete"])
        #expect(fake.calls.first == ["/fake/makedumpfile", "--mem-usage", dir + "/vmcore-source"])
        #expect(fake.calls[1] == ["/fake/makedumpfile", "--dump-dmesg", dir + "/vmcore-source", result.directory + "/dmesg.txt.incomplete"])

        // The catalog finds it, identifies it, and the test resolves to succeeded.
        let dumps = DumpCatalog.list(saveDir: saveDir)
        #expect(dumps.count == 1)
        #expect(dumps.first?.testID == "test-42")
        #expect(dumps.first?.info?.format == .kdumpCompressed)
        #expect(dumps.first?.info?.panicMessage == "Kernel panic - not syncing: sysrq triggered crash")
        #expect(dumps.first?.complete == true)
        let resolved = record.resolved(with: dumps)
        #expect(resolved.state == .succeeded)
        #expect(resolved.dumpPath == result.directory)
    }

    /// Debian 12's makedumpfile 1.7.2 with a 6.12 kernel: the dump is saved and readable, and the warning it
    /// printed is kept with it (the result, the manifest, `kreboot dumps`) without failing the kdump test.
    @Test func aKernelVersionMakedumpfileDoesNotKnowIsAWarningKeptWithTheDump() throws {
        let record = KdumpTestRecord(id: "test-43", time: "2024-11-26T14:40:00Z", release: "6.12.117+deb12-amd64")
        try record.write(path: recordPath)
        let fake = FakeMakedumpfile()
        fake.dumpWarnings = "The kernel version is not supported.\nThe makedumpfile operation may be incomplete.\n"
        let result = try saver(config(), runner: fake).save()
        let warning = "makedumpfile does not know this kernel's version and says the dump may be incomplete "
            + "(a newer makedumpfile reads that kernel's layout)"
        #expect(result.warnings == [warning])
        #expect(DumpManifest.read(directory: result.directory)?.problems == [warning])
        let dumps = DumpCatalog.list(saveDir: saveDir)
        #expect(dumps.first?.problem == warning)
        #expect(record.resolved(with: dumps).state == .succeeded)
    }

    @Test func noPendingTestNoID() throws {
        var record = KdumpTestRecord(id: "old", time: "2024-11-26T14:40:00Z", release: nil)
        record.state = .succeeded
        try record.write(path: recordPath)
        let result = try saver(config(), runner: FakeMakedumpfile()).save()
        #expect(result.testID == nil)
        #expect(!FileManager.default.fileExists(atPath: result.directory + "/kdump-test.json"))
    }

    @Test func unsupportedProtocolIsUnavailable() {
        // A malformed target is refused naming the option. (nfs and cifs are mounted: DumpTransportTests, with a
        // fake mounter; sftp and ftp are streamed: StreamedDumpSaveTests, with a recording transport.)
        for url in ["gopher://host/crash", "crash"] {
            do {
                _ = try saver(config(url), runner: FakeMakedumpfile()).save()
                Issue.record("accepted \(url)")
            } catch {
                #expect(error.code == .unavailable)
                #expect(error.message.contains(url == "crash" ? "KDUMP_SAVEDIR: not an absolute path" : "unknown protocol"))
            }
        }
    }

    @Test func refusesBeforeWritingWhenTheEstimateDoesNotFit() throws {
        let fake = FakeMakedumpfile()
        do {
            _ = try saver(config(free: 64), runner: fake, space: [400 * Self.mib]).save()
            Issue.record("saved into a too small disk")
        } catch {
            #expect(error.code == .unavailable)
            #expect(error.message.contains("KDUMP_FREE_DISK_SIZE=64"))
        }
        #expect(try FileManager.default.contentsOfDirectory(atPath: saveDir).isEmpty)
        #expect(fake.calls.count == 1)  // only --mem-usage
    }

    @Test func withoutAnEstimateOnlyTheReserveIsChecked() throws {
        let fake = FakeMakedumpfile()
        fake.memUsage = nil
        let result = try saver(config(free: 64), runner: fake, space: [100 * Self.mib]).save()
        #expect(result.estimateSource == "unknown")
        #expect(result.estimateBytes == nil)
        do {
            _ = try saver(config(free: 64), runner: fake, space: [63 * Self.mib]).save()
            Issue.record("saved below KDUMP_FREE_DISK_SIZE")
        } catch {
            #expect(error.code == .unavailable)
        }
    }

    @Test func deletesTheVmcoreWhenTooLittleStaysFreeAfterwards() throws {
        let fake = FakeMakedumpfile()
        fake.memUsage = nil
        do {
            _ = try saver(config(free: 64), runner: fake, space: [1000 * Self.mib, 10 * Self.mib]).save()
            Issue.record("kept a dump that left too little free")
        } catch {
            #expect(error.code == .unavailable)
            #expect(error.message.contains("deleted again"))
        }
        let dumps = try FileManager.default.contentsOfDirectory(atPath: saveDir)
        #expect(dumps.count == 1)
        let names = try FileManager.default.contentsOfDirectory(atPath: saveDir + "/" + dumps[0]).sorted()
        #expect(names == ["dmesg.txt", "kreboot-dump.json"])
        #expect(DumpManifest.read(directory: saveDir + "/" + dumps[0])?.complete == false)
    }

    @Test func failedMakedumpfileLeavesVmcoreIncomplete() throws {
        let fake = FakeMakedumpfile()
        fake.dumpFails = true
        do {
            _ = try saver(config(), runner: fake).save()
            Issue.record("reported success")
        } catch {
            #expect(error.code == .failed)
            #expect(error.message.contains("No space left on device"))
            #expect(error.message.contains("vmcore-incomplete"))
        }
        let dumps = DumpCatalog.list(saveDir: saveDir)
        #expect(dumps.count == 1)
        #expect(dumps[0].vmcore?.hasSuffix("/vmcore-incomplete") == true)
        #expect(dumps[0].complete == false)
        #expect(dumps[0].problem != nil)
    }

    @Test func dmesgFailureIsAWarningNotAFailure() throws {
        let fake = FakeMakedumpfile()
        fake.dmesgFails = true
        let result = try saver(config(), runner: fake).save()
        #expect(result.dmesg == nil)
        #expect(result.warnings.count == 1)
        #expect(result.warnings[0].contains("Can't read the dump"))
        #expect(FileManager.default.fileExists(atPath: result.directory + "/vmcore"))
        #expect(!FileManager.default.fileExists(atPath: result.directory + "/dmesg.txt.incomplete"))
    }

    @Test func rawIsASparseCopyWithoutMakedumpfile() throws {
        var source = KdumpFixtures.elfCore()
        source += [UInt8](repeating: 0, count: 3 << 20) + [7]
        let fake = FakeMakedumpfile()
        var s = saver(config(format: "raw"), runner: fake)
        s.vmcorePath = vmcore(source)
        let result = try s.save()
        #expect(result.estimateSource == "vmcore-size")
        #expect(result.estimateBytes == UInt64(source.count))
        #expect(FileManager.default.contents(atPath: result.vmcore!) == Data(source))
        var st = stat()
        #expect(stat(result.vmcore!, &st) == 0)
        #expect(Int(st.st_blocks) * 512 < source.count / 2)  // whole zero megabytes are holes
        #expect(!fake.calls.contains { $0.contains("-d") })
        #expect(try VmcoreInspector.inspect(path: result.vmcore!).get().release == "6.1.0-28-amd64")
    }

    @Test func noneSavesOnlyTheLog() throws {
        let fake = FakeMakedumpfile()
        let result = try saver(config(format: "none"), runner: fake).save()
        #expect(result.vmcore == nil)
        #expect(result.dmesg != nil)
        #expect(fake.calls.count == 1)
    }

    @Test func rotatesOldDumpsBeforeSaving() throws {
        let fake = FakeMakedumpfile()
        for (i, stamp) in ["2024-01-01T00:00:00Z", "2024-02-01T00:00:00Z", "2024-03-01T00:00:00Z"].enumerated() {
            let old = saveDir + "/old-\(i)"
            try FileManager.default.createDirectory(atPath: old, withIntermediateDirectories: true)
            try DumpManifest(savedAt: stamp, format: "lzo", dumpLevel: 31, complete: true).write(directory: old)
        }
        let result = try saver(config(keep: 1), runner: fake).save()
        #expect(result.rotated == ["old-0", "old-1"])
        let left = try FileManager.default.contentsOfDirectory(atPath: saveDir).sorted()
        #expect(left == ["2024-11-26-14:45:00", "old-2"])
    }

    @Test func sameSecondGetsANewDirectory() throws {
        let fake = FakeMakedumpfile()
        let first = try saver(config(keep: 0), runner: fake).save()
        let second = try saver(config(keep: 0), runner: fake).save()
        #expect(first.directory != second.directory)
        #expect(second.directory == first.directory + "-1")
    }

    @Test func scriptMakedumpfileThroughARealSubprocess() throws {
        let script = dir + "/makedumpfile"
        KdumpFixtures.write(Array("""
            #!/bin/sh
            case "$1" in
              --mem-usage) echo "show_mem_usage: unsupported" >&2; exit 1 ;;
              --dump-dmesg) echo "Kernel panic - not syncing: from script" > "$3"; exit 0 ;;
            esac
            for last; do :; done
            printf 'KDUMP   ' > "$last"
            echo "argv: $*"
            exit 0
            """.utf8), to: script)
        chmod(script, 0o755)
        let result = try saver(config(format: "zstd", level: 17), runner: SpawnSubprocessRunner(), makedumpfile: script).save()
        #expect(result.estimateSource == "unknown")
        #expect(FileManager.default.contents(atPath: result.vmcore!) == Data("KDUMP   ".utf8))
        #expect(String(decoding: FileManager.default.contents(atPath: result.dmesg!)!, as: UTF8.self) == "Kernel panic - not syncing: from script\n")
    }

    @Test func spawnRunnerReportsStatusAndOutput() {
        let runner = SpawnSubprocessRunner()
        let ok = runner.runReportingSpawnFailure(["/bin/sh", "-c", "echo out; echo err >&2; exit 3"])
        #expect(ok.status == 3)
        #expect(ok.output.contains("out"))
        #expect(ok.output.contains("err"))
        #expect(ok.lastLine == "err")
        let missing = runner.runReportingSpawnFailure(["/nonexistent/makedumpfile"])
        #expect(missing.status == 127)
    }

    @Test(.enabled(if: FileManager.default.isExecutableFile(atPath: "/usr/bin/makedumpfile")))
    func realMakedumpfileFailsCleanlyOnANonDump() throws {
        let notADump = dir + "/not-a-dump"
        KdumpFixtures.write(Array(repeating: 0x41, count: 65536), to: notADump)
        var s = saver(config(), runner: SpawnSubprocessRunner(), makedumpfile: "/usr/bin/makedumpfile")
        s.vmcorePath = notADump
        do {
            _ = try s.save()
            Issue.record("makedumpfile accepted a non-dump")
        } catch {
            #expect(error.code == .failed)
            #expect(error.message.contains("makedumpfile -l -d 31 \(notADump) failed"))
        }
        let dumps = DumpCatalog.list(saveDir: saveDir)
        #expect(dumps.count == 1)
        let manifest = try #require(DumpManifest.read(directory: dumps[0].directory))
        #expect(!manifest.complete)
        #expect(manifest.problems.contains { $0.contains("--dump-dmesg") })
        #expect(dumps[0].dmesg == nil)
    }
}

@Suite struct KdumpCaptureBootTests {
    @Test func captureKernelIsRecognisedByElfcorehdr() {
        #expect(CaptureBootEnvironment.isCaptureKernel(commandLine: "root=/dev/nvme0n1 ro irqpoll nr_cpus=1 elfcorehdr=0x7f000000 init=/usr/bin/kreboot\n"))
        #expect(!CaptureBootEnvironment.isCaptureKernel(commandLine: "root=/dev/nvme0n1 ro quiet crashkernel=256M\n"))
        #expect(!CaptureBootEnvironment.isCaptureKernel(commandLine: "xelfcorehdr=1"))
        // This test process is neither init nor in a capture kernel.
        #expect(!CaptureBootEnvironment.isInit)
        #expect(!CaptureBootEnvironment.isCaptureBoot)
    }
}
