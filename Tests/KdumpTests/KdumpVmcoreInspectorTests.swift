@testable import Kdump
@testable import KexecCore
import RebootPlan
import LinuxSystem
import KrebootTestSupport
import Foundation
import Testing

@Suite final class KdumpVmcoreInspectorTests {
    let dir = KdumpFixtures.temporaryDirectory()

    deinit {
        try? FileManager.default.removeItem(atPath: dir)
    }


    func file(_ name: String, _ bytes: [UInt8]) -> String {
        let path = dir + "/" + name
        KdumpFixtures.write(bytes, to: path)
        return path
    }

    @Test func elfCoreWithVmcoreInfo() throws {
        let path = file("vmcore", KdumpFixtures.elfCore())
        let info = try VmcoreInspector.inspect(path: path).get()
        #expect(info.kind == "vmcore")
        #expect(info.format == .elf)
        #expect(info.arch == "x86_64")
        #expect(info.release == "6.1.0-28-amd64")
        #expect(info.pageSize == 4096)
        #expect(info.crashTime == 1_732_632_226)
        #expect(info.crashDate == "2024-11-26T14:43:46Z")
        #expect(info.buildID == "abc123")
        #expect(info.sizeBytes == UInt64(KdumpFixtures.elfCore().count))
        #expect(VmcoreInspector.recognises(path: path))
    }

    @Test func elfCoreArchitectures() throws {
        let arm = try VmcoreInspector.inspect(path: file("arm", KdumpFixtures.elfCore(machine: 183))).get()
        #expect(arm.arch == "aarch64")
        let s390 = try VmcoreInspector.inspect(path: file("s390", KdumpFixtures.elfCore(machine: 22))).get()
        #expect(s390.arch == "s390x")
    }

    @Test func elfCoreWithoutVmcoreInfoHasNoRelease() throws {
        let info = try VmcoreInspector.inspect(path: file("plain", KdumpFixtures.elfCore(vmcoreInfo: nil))).get()
        #expect(info.format == .elf)
        #expect(info.release == nil)
        #expect(info.arch == "x86_64")
    }

    @Test func jsonHasTheContractKeys() throws {
        let info = try VmcoreInspector.inspect(path: file("vmcore", KdumpFixtures.elfCore())).get()
        let object = try JSONSerialization.jsonObject(with: JSONEncoder().encode(info)) as! [String: Any]
        #expect(object["kind"] as? String == "vmcore")
        #expect(object["format"] as? String == "elf")
        #expect(object["arch"] as? String == "x86_64")
        #expect(object["release"] as? String == "6.1.0-28-amd64")
        #expect(object["crashTime"] as? Int == 1_732_632_226)
        #expect(object["pageSize"] as? Int == 4096)
    }

    @Test func kdumpCompressedHeader() throws {
        let path = file("vmcore.kdump", KdumpFixtures.kdumpCompressed())
        let info = try VmcoreInspector.inspect(path: path).get()
        #expect(info.format == .kdumpCompressed)
        #expect(info.arch == "x86_64")
        #expect(info.release == "6.1.0-28-amd64")
        #expect(info.headerVersion == 6)
        #expect(info.dumpLevel == 31)
        #expect(info.compression == "lzo")
        #expect(info.incomplete == false)
        #expect(info.pageSize == 4096)
        #expect(info.crashTime == 1_732_632_226)
    }

    @Test func kdumpCompressedVersion2HasNoVmcoreInfo() throws {
        let info = try VmcoreInspector.inspect(path: file("v2", KdumpFixtures.kdumpCompressed(
            release: "5.10.0-9-arm64", machine: "aarch64", version: 2, status: 0x1 | 0x8, blockSize: 65536))).get()
        #expect(info.release == "5.10.0-9-arm64")
        #expect(info.arch == "aarch64")
        #expect(info.crashTime == nil)
        #expect(info.pageSize == 65536)
        #expect(info.compression == "zlib")
        #expect(info.incomplete == true)
    }

    @Test func bigEndianKdumpCompressed() throws {
        let path = file("s390x.kdump", KdumpFixtures.kdumpCompressed(release: "5.14.21-150500.53-default", machine: "s390x",
                                                                      status: 0x1, bigEndian: true))
        let info = try VmcoreInspector.inspect(path: path).get()
        #expect(info.format == .kdumpCompressed)
        #expect(info.arch == "s390x")
        #expect(info.release == "6.1.0-28-amd64")  // VMCOREINFO OSRELEASE wins over utsname
        #expect(info.headerVersion == 6)
        #expect(info.dumpLevel == 31)
        #expect(info.compression == "zlib")
        #expect(info.pageSize == 4096)
        #expect(info.crashTime == 1_732_632_226)
    }

    @Test func flattenedKdumpCompressed() throws {
        let path = file("vmcore.flat", KdumpFixtures.flattened(KdumpFixtures.kdumpCompressed()))
        let info = try VmcoreInspector.inspect(path: path).get()
        #expect(info.format == .flattened)
        #expect(info.innerFormat == .kdumpCompressed)
        #expect(info.release == "6.1.0-28-amd64")
        #expect(info.arch == "x86_64")
        #expect(info.crashTime == 1_732_632_226)
        #expect(VmcoreInspector.recognises(path: path))
    }

    @Test func flattenedElf() throws {
        let info = try VmcoreInspector.inspect(path: file("elf.flat", KdumpFixtures.flattened(KdumpFixtures.elfCore()))).get()
        #expect(info.format == .flattened)
        #expect(info.innerFormat == .elf)
        #expect(info.arch == "x86_64")
        #expect(info.release == "6.1.0-28-amd64")
    }

    @Test func panicMessageFromDmesgBesideTheDump() throws {
        let path = file("vmcore", KdumpFixtures.elfCore())
        KdumpFixtures.write(Array("[    0.000000] Linux version 6.1.0\n[   42.1] sysrq: Trigger a crash\n[   42.2] Kernel panic - not syncing: sysrq triggered crash\n[   42.3] CPU: 0 PID: 1\n".utf8), to: dir + "/dmesg.txt")
        let info = try VmcoreInspector.inspect(path: path).get()
        #expect(info.panicMessage == "Kernel panic - not syncing: sysrq triggered crash")
    }

    @Test func garbageIsBadDataNamingTheFile() {
        let path = file("garbage", Array("this is not a dump, just some text that is long enough".utf8))
        #expect(!VmcoreInspector.recognises(path: path))
        guard case .failure(let error) = VmcoreInspector.inspect(path: path) else { Issue.record("accepted garbage"); return }
        #expect(error.code == .badImage)
        #expect(error.message.contains(path))
        #expect(error.message.contains("not a kernel dump"))
    }

    @Test func emptyAndMissingFiles() {
        let empty = file("empty", [])
        guard case .failure(let e1) = VmcoreInspector.inspect(path: empty) else { Issue.record("accepted empty"); return }
        #expect(e1.code == .badImage)
        #expect(e1.message.contains("truncated"))
        guard case .failure(let e2) = VmcoreInspector.inspect(path: dir + "/missing") else { Issue.record("accepted missing"); return }
        #expect(e2.code == .badImage)
        #expect(e2.message.contains(dir + "/missing"))
    }

    @Test func truncatedElfCoreIsBadData() {
        let whole = KdumpFixtures.elfCore()
        let path = file("truncated", Array(whole.prefix(64 + 56 * 2 + 20)))  // headers, then 20 bytes of notes
        guard case .failure(let error) = VmcoreInspector.inspect(path: path) else { Issue.record("accepted a truncated core"); return }
        #expect(error.code == .badImage)
        #expect(error.message.contains(path))
    }

    @Test func elfThatIsNotACoreIsRejected() {
        let path = file("exec", KdumpFixtures.elfCore(type: 2))
        #expect(!VmcoreInspector.recognises(path: path))
        guard case .failure(let error) = VmcoreInspector.inspect(path: path) else { Issue.record("accepted ET_EXEC"); return }
        #expect(error.code == .badImage)
    }

    @Test func truncatedKdumpHeaderIsBadData() {
        let whole = KdumpFixtures.kdumpCompressed()
        let short = file("short", Array(whole.prefix(200)))
        guard case .failure(let e1) = VmcoreInspector.inspect(path: short) else { Issue.record("accepted"); return }
        #expect(e1.code == .badImage)
        #expect(e1.message.contains("truncated kdump-compressed header"))
        let noSub = file("nosub", Array(whole.prefix(4096)))
        guard case .failure(let e2) = VmcoreInspector.inspect(path: noSub) else { Issue.record("accepted"); return }
        #expect(e2.message.contains("sub header"))
        let noInfo = file("noinfo", Array(whole.prefix(8192 + 10)))
        guard case .failure(let e3) = VmcoreInspector.inspect(path: noInfo) else { Issue.record("accepted"); return }
        #expect(e3.message.contains("VMCOREINFO"))
    }

    @Test func corruptKdumpBlockSizeIsBadData() {
        let path = file("badblock", KdumpFixtures.kdumpCompressed(blockSize: 4096).enumerated().map { $0.offset == 429 ? 0x77 : $0.element })
        guard case .failure(let error) = VmcoreInspector.inspect(path: path) else { Issue.record("accepted"); return }
        #expect(error.message.contains("block_size"))
    }

    @Test func flattenedWithoutRecordsIsBadData() {
        let header = Array(KdumpFixtures.flattened([]).prefix(4096)) + KdumpFixtures.be(Int64(-1)) + KdumpFixtures.be(Int64(-1))
        let path = file("flat-empty", header)
        guard case .failure(let error) = VmcoreInspector.inspect(path: path) else { Issue.record("accepted"); return }
        #expect(error.code == .badImage)
        #expect(error.message.contains("without data records"))
    }

    @Test func vmcoreInfoNoteParsesTheKernelLayout() {
        let note = VmcoreInfoNote(text: "OSRELEASE=6.1.0-28-amd64\nPAGESIZE=4096\nCRASHTIME=17\n\0\0")
        #expect(note.osRelease == "6.1.0-28-amd64")
        #expect(note.pageSize == 4096)
        #expect(note.crashTime == 17)
    }
}

@Suite struct KdumpVmcoreSummaryTests {
    @Test func summaryNamesFormatReleaseAndCrashTime() throws {
        let dir = KdumpFixtures.temporaryDirectory()
        KdumpFixtures.write(KdumpFixtures.kdumpCompressed(), to: dir + "/vmcore")
        let lines = try VmcoreInspector.inspect(path: dir + "/vmcore").get().summaryLines
        #expect(lines.contains("format:       kdump-compressed"))
        #expect(lines.contains("release:      6.1.0-28-amd64"))
        #expect(lines.contains("crash time:   2024-11-26T14:43:46Z (1732632226)"))
        #expect(lines.contains("compression:  lzo"))
    }
}
