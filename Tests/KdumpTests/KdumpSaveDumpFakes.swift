@testable import Kdump
@testable import KexecCore
import RebootPlan
import LinuxSystem
import KrebootTestSupport
import Foundation
import Testing

/// A makedumpfile stand-in: answers --mem-usage with a table, writes dmesg and dump files, records argv.
final class FakeMakedumpfile: SubprocessRunner, @unchecked Sendable {
    private let recorder = RecordingSubprocessRunner()
    var memUsage: String? = KdumpMakedumpfileTests.memUsage
    var dumpBytes: [UInt8] = KdumpFixtures.kdumpCompressed()
    var dumpFails = false
    var dmesgFails = false
    /// Lines the dump run writes before its closing ones (makedumpfile's warnings).
    var dumpWarnings = ""

    var calls: [[String]] { recorder.calls }

    func run(_ argv: [String], options: SubprocessOptions) throws(SystemError) -> SubprocessResult {
        _ = try recorder.run(argv, options: options)
        if argv.contains("--mem-usage") {
            return memUsage.map { SubprocessResult(status: 0, output: $0) }
                ?? SubprocessResult(status: 1, output: "show_mem_usage: not supported\nmakedumpfile Failed.\n")
        }
        if argv.contains("--dump-dmesg") {
            if dmesgFails { return SubprocessResult(status: 1, output: "check_elf_format: Can't read the dump\nmakedumpfile Failed.\n") }
            KdumpFixtures.write(Array("[   42.2] Kernel panic - not syncing: sysrq triggered crash\n".utf8), to: argv[3])
            return SubprocessResult(status: 0, output: "The dmesg log is saved to \(argv[3]).\n")
        }
        if argv.contains("-F"), let stdout = options.descriptors[1] {
            // The flattened format to standard output (a pipe the caller streams).
            let bytes = dumpFails ? Array(dumpBytes.prefix(100)) : dumpBytes
            _ = bytes.withUnsafeBytes { write(stdout, $0.baseAddress, $0.count) }
            return dumpFails ? SubprocessResult(status: 1, output: "write_cache: Broken pipe\nmakedumpfile Failed.\n")
                             : SubprocessResult(status: 0, output: dumpWarnings + "The dumpfile is saved to STDOUT.\n")
        }
        let output = argv[argv.count - 1]
        if dumpFails {
            KdumpFixtures.write(Array(dumpBytes.prefix(100)), to: output)
            return SubprocessResult(status: 1, output: "write_and_check_space: No space left on device\nmakedumpfile Failed.\n")
        }
        KdumpFixtures.write(dumpBytes, to: output)
        return SubprocessResult(status: 0, output: "Copying data                : [100.0 %]\n" + dumpWarnings
                                + "The dumpfile is saved to \(output).\n")
    }
}

/// Free space that changes between calls (before, after).
final class SpaceSequence: @unchecked Sendable {
    private let lock = NSLock()
    private var values: [UInt64]
    init(_ values: [UInt64]) { self.values = values }
    func next(_ path: String) -> UInt64? {
        lock.withLock { values.count > 1 ? values.removeFirst() : values.first }
    }
}
