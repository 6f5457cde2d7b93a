@testable import Kdump
@testable import KexecCore
import RebootPlan
import LinuxSystem
import KrebootTestSupport
import Testing

@Suite struct KdumpMakedumpfileTests {
    func invocation(format: String?, level: Int?) throws(KexecError) -> MakedumpfileInvocation {
        try MakedumpfileInvocation(config: KdumpConfig(file: "/etc/sysconfig/kdump", dumpLevel: level, dumpFormat: format))
    }

    @Test func formatsMapToMakedumpfileFlags() throws {
        let cases: [(String, [String])] = [
            ("ELF", ["-E", "-d", "31"]), ("compressed", ["-c", "-d", "31"]), ("lzo", ["-l", "-d", "31"]),
            ("snappy", ["-p", "-d", "31"]), ("zstd", ["-z", "-d", "31"]), ("LZO", ["-l", "-d", "31"]), ("zlib", ["-c", "-d", "31"]),
        ]
        for (format, options) in cases {
            #expect(try invocation(format: format, level: 31).dumpOptions == options, "format \(format)")
        }
    }

    @Test func fullArgv() throws {
        let argv = try invocation(format: "compressed", level: 1).dumpArguments(
            makedumpfile: "/usr/bin/makedumpfile", vmcore: "/proc/vmcore", output: "/var/crash/x/vmcore-incomplete")
        #expect(argv == ["/usr/bin/makedumpfile", "-c", "-d", "1", "/proc/vmcore", "/var/crash/x/vmcore-incomplete"])
        #expect(MakedumpfileInvocation.dmesgArguments(makedumpfile: "m", vmcore: "v", output: "o") == ["m", "--dump-dmesg", "v", "o"])
        #expect(MakedumpfileInvocation.memUsageArguments(makedumpfile: "m", vmcore: "v") == ["m", "--mem-usage", "v"])
    }

    @Test func rawAndNoneDoNotRunMakedumpfile() throws {
        let raw = try invocation(format: "raw", level: 31)
        #expect(!raw.usesMakedumpfile)
        #expect(raw.dumpArguments(makedumpfile: "m", vmcore: "v", output: "o") == nil)
        let none = try invocation(format: "none", level: nil)
        #expect(none.format == .none)
        #expect(none.dumpArguments(makedumpfile: "m", vmcore: "v", output: "o") == nil)
    }

    @Test func defaultsAreLzoAndLevel31() throws {
        let d = try invocation(format: nil, level: nil)
        #expect(d.format == .lzo)
        #expect(d.dumpLevel == 31)
        #expect(try invocation(format: "  ", level: 0).dumpOptions == ["-l", "-d", "0"])
    }

    @Test func invalidValuesNameTheFile() {
        #expect(throws: KexecError.self) { try invocation(format: "gzip", level: 31) }
        do {
            _ = try invocation(format: "lzo", level: 32)
            Issue.record("accepted level 32")
        } catch {
            #expect(error.code == .badImage)
            #expect(error.message.contains("/etc/sysconfig/kdump"))
            #expect(error.message.contains("KDUMP_DUMPLEVEL=32"))
        }
        #expect(throws: KexecError.self) { try invocation(format: "lzo", level: -1) }
    }

    static let memUsage = """
        The kernel version is not supported.
        The makedumpfile operation may be incomplete.

        TYPE		PAGES			EXCLUDABLE	DESCRIPTION
        ----------------------------------------------------------------------
        ZERO		21299           	yes		Pages filled with zero
        NON_PRI_CACHE	8373            	yes		Cache pages without private flag
        PRI_CACHE	18470           	yes		Cache pages with private flag
        USER		60498           	yes		User process pages
        FREE		3806318         	yes		Free pages
        KERN_DATA	94400           	no		Dumpable kernel data

        page size:		4096
        Total pages on system:	4009358
        Total size on system:	16422330368      Byte
        """

    @Test func memUsageEstimateByDumpLevel() throws {
        let estimate = try #require(MemUsageEstimate(output: Self.memUsage))
        #expect(estimate.pageSize == 4096)
        #expect(estimate.bytes(dumpLevel: 31) == 94400 * 4096)
        #expect(estimate.bytes(dumpLevel: 0) == 4_009_358 * 4096)
        #expect(estimate.bytes(dumpLevel: 1) == (4_009_358 - 21299) * 4096)
        #expect(estimate.bytes(dumpLevel: 16) == (4_009_358 - 3_806_318) * 4096)
        #expect(estimate.bytes(dumpLevel: 4) == (4_009_358 - 8373 - 18470) * 4096)
    }

    @Test func memUsageWithoutTableIsNoEstimate() {
        #expect(MemUsageEstimate(output: "show_mem_usage: No memory is reserved for crashkernel!\n\nmakedumpfile Failed.") == nil)
        #expect(MemUsageEstimate(output: "") == nil)
    }
}
