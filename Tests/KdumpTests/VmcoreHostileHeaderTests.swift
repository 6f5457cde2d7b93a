import Foundation
import Testing
@testable import KexecCore
@testable import Kdump
@testable import LinuxSystem

/// Vmcore headers with impossible offsets and sizes: errors naming the file, bounded memory, no trap.
@Suite final class VmcoreHostileHeaderTests {
    let dir = KdumpFixtures.temporaryDirectory()

    deinit { try? FileManager.default.removeItem(atPath: dir) }

    func inspect(_ bytes: [UInt8]) -> (path: String, message: String?) {
        let path = dir + "/vmcore"
        KdumpFixtures.write(bytes, to: path)
        if case .failure(let error) = VmcoreInspector.inspect(path: path) { return (path, error.message) }
        return (path, nil)
    }

    static func put(_ value: UInt64, at offset: Int, in bytes: inout [UInt8]) {
        bytes.replaceSubrange(offset..<(offset + 8), with: KdumpFixtures.le(value))
    }

    @Test func noteOffsetOf2to63() {
        var core = KdumpFixtures.elfCore()
        Self.put(1 << 63, at: 64 + 8, in: &core)
        let (path, message) = inspect(core)
        #expect(message?.hasPrefix("\(path): impossible PT_NOTE 0") == true)
    }

    @Test func noteSizeOf2to63AndPastTheEnd() {
        var core = KdumpFixtures.elfCore()
        Self.put(1 << 63, at: 64 + 32, in: &core)
        #expect(inspect(core).message?.contains("impossible PT_NOTE 0") == true)
        var big = KdumpFixtures.elfCore()
        Self.put(UInt64(big.count), at: 64 + 32, in: &big)
        #expect(inspect(big).message?.contains("past the end of the file") == true)
    }

    @Test func flattenedRecordLargerThanTheFile() {
        var stream = KdumpFixtures.flattened(KdumpFixtures.kdumpCompressed())
        stream.replaceSubrange(4096 + 8..<4096 + 16, with: KdumpFixtures.be(Int64.max))
        let (path, message) = inspect(stream)
        #expect(message?.hasPrefix("\(path): impossible flattened record at 4096") == true)
    }

    @Test func sparseFlattenedRecordsHoldAtMostTheWindow() throws {
        // Many records at the same offset: each is kept only while the total stays within the window.
        var out = KdumpFixtures.padded(Array("makedumpfile".utf8), to: 16) + KdumpFixtures.be(Int64(1)) + KdumpFixtures.be(Int64(1))
        out += [UInt8](repeating: 0, count: 4096 - out.count)
        for _ in 0..<64 { out += KdumpFixtures.be(Int64(0)) + KdumpFixtures.be(Int64(1024)) + [UInt8](repeating: 0, count: 1024) }
        out += KdumpFixtures.be(Int64(-1)) + KdumpFixtures.be(Int64(-1))
        let path = dir + "/flat"
        KdumpFixtures.write(out, to: path)
        let source = try FileByteSource(path: path, operation: "test")
        let reader = try FlattenedDumpReader(source, path: path, fileSize: source.size, window: 8192)
        #expect(reader.allBytes.count == 8192)
        #expect(reader.read(offset: .max - 2, count: 16) == nil)
    }

    @Test func calibrationNear2to64DoesNotTrap() {
        let inputs = CalibrationInputs(ramBytes: .max, arch: "x86_64", luns: .max, kernelBytes: .max, initrdBytes: .max,
                                       reservedBytes: .max)
        let recommendation = CrashkernelCalibrator.calibrate(inputs)
        #expect(recommendation.ramGiB == 1 << 34)
        let iomem = CalibrationInputsReader.IomemSummary(text: "0-ffffffffffffffff : System RAM\n1-ffffffffffffffff : System RAM\n")
        #expect(iomem.systemRAMBytes == .max)
    }
}
