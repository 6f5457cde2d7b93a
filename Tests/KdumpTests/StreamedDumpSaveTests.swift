@testable import Kdump
@testable import KexecCore
import RebootPlan
import LinuxSystem
import KrebootTestSupport
import Foundation
import Testing

/// A dump streamed to an ftp server (the requests recorded, nothing sent): dmesg, the flattened vmcore as it
/// comes out of makedumpfile -F, then the manifest, each completed by a rename; the password only to libcurl.
@Suite final class StreamedDumpSaveTests {
    let dir = KdumpFixtures.temporaryDirectory()

    deinit { try? FileManager.default.removeItem(atPath: dir) }

    func save(_ makedumpfile: FakeMakedumpfile, curl: RecordingCurl, format: String? = nil,
              pendingTest: Bool = true) throws(KexecError) -> DumpSaveResult {
        let vmcore = dir + "/vmcore-source"
        KdumpFixtures.write(KdumpFixtures.elfCore(), to: vmcore)
        let record = dir + "/kdump-test.json"
        if pendingTest {
            try? KdumpTestRecord(id: "test-42", time: "2026-11-30T10:00:00Z", release: "6.1.0-27-amd64").write(path: record)
        }
        let config = KdumpConfig(file: "/etc/sysconfig/kdump", saveDir: "ftp://dump:pa%24%24@filer/crash", dumpFormat: format)
        let saver = DumpSaver(vmcorePath: vmcore, config: config, root: RootDirectory(dir), makedumpfilePath: "/fake/makedumpfile",
                              testRecordPath: record, runner: makedumpfile, now: { Date(timeIntervalSince1970: 1_796_032_800) })
        let target = try saver.target()
        return try StreamedDumpSave(saver: saver, target: target, transport: FtpDumpTransport(target: target, performer: curl)).save()
    }

    @Test func sendsDmesgThenTheFlattenedVmcoreThenTheManifest() throws {
        let makedumpfile = FakeMakedumpfile()
        let curl = RecordingCurl()
        let result = try save(makedumpfile, curl: curl)

        let urls = curl.seen.map(\.request.url)
        #expect(urls == [
            "ftp://filer/crash/2026-11-30-10%3A00%3A00/",
            "ftp://filer/crash/2026-11-30-10%3A00%3A00/dmesg.txt.incomplete", "ftp://filer/",
            "ftp://filer/crash/2026-11-30-10%3A00%3A00/vmcore.flat.incomplete", "ftp://filer/",
            "ftp://filer/crash/2026-11-30-10%3A00%3A00/kreboot-dump.json.incomplete", "ftp://filer/",
        ])
        #expect(String(decoding: curl.seen[1].uploaded, as: UTF8.self).contains("Kernel panic - not syncing"))
        #expect(curl.seen[3].uploaded == makedumpfile.dumpBytes)
        #expect(curl.seen[4].request.quote == ["RNFR crash/2026-11-30-10:00:00/vmcore.flat.incomplete", "RNTO crash/2026-11-30-10:00:00/vmcore.flat"])
        let manifest = try JSONDecoder().decode(DumpManifest.self, from: Data(curl.seen[5].uploaded))
        #expect(manifest.complete && manifest.testID == "test-42" && manifest.format == "lzo")
        #expect(curl.seen.allSatisfy { $0.request.password == "pa$$" && $0.request.username == "dump" })
        #expect(curl.seen.allSatisfy { !$0.request.url.contains("pa$$") && !$0.request.url.contains("pa%24") })

        let dump = try #require(makedumpfile.calls.first { $0.contains("-F") })
        #expect(dump == ["/fake/makedumpfile", "-F", "-l", "-d", "31", dir + "/vmcore-source"])
        #expect(result.directory == "ftp://dump:***@filer/crash/2026-11-30-10:00:00")
        #expect(result.vmcore == "ftp://dump:***@filer/crash/2026-11-30-10:00:00/vmcore.flat")
        #expect(result.testID == "test-42")
    }

    @Test func aFailedUploadAbortsTheIncompleteFileAndFailsTheSave() throws {
        let curl = RecordingCurl(failAt: 3)  // the vmcore's upload
        #expect {
            try save(FakeMakedumpfile(), curl: curl)
        } throws: { error in
            let message = (error as? KexecError)?.message ?? ""
            return message.contains("uploading") && message.contains("ftp://dump:***@filer") && !message.contains("pa$$")
        }
        #expect(curl.seen.last?.request.quote == ["DELE crash/2026-11-30-10:00:00/vmcore.flat.incomplete"])
        #expect(!curl.seen.contains { $0.request.url.hasSuffix("kreboot-dump.json.incomplete") })
    }

    @Test func aFailingMakedumpfileFailsTheSaveAndNothingIsComplete() {
        let makedumpfile = FakeMakedumpfile()
        makedumpfile.dumpFails = true
        let curl = RecordingCurl()
        #expect {
            try save(makedumpfile, curl: curl)
        } throws: { error in
            ((error as? KexecError)?.message ?? "").contains("makedumpfile -F -l -d 31")
        }
        #expect(!curl.seen.contains { $0.request.url.hasSuffix("kreboot-dump.json.incomplete") })
    }

    @Test func rawSendsTheVmcoreAsItIs() throws {
        let curl = RecordingCurl()
        let result = try save(FakeMakedumpfile(), curl: curl, format: "raw", pendingTest: false)
        #expect(curl.seen[3].request.url.hasSuffix("/vmcore.incomplete"))
        #expect(curl.seen[3].uploaded == KdumpFixtures.elfCore())
        #expect(result.testID == nil)
    }
}
