import KexecCore
import LinuxSystem
/// How much memory to reserve for the capture kernel (`crashkernel=`). Pure arithmetic over
/// `CalibrationInputs`; the model, term by term:
///
/// 1. **Baseline** — kdump-utils' default table (kdump-lib.sh `kdump_get_arch_recommend_crashkernel`),
///    looked up with RAM rounded up to whole GiB, range start inclusive, end exclusive:
///    x86_64, s390x and others `2G-64G:256M,64G-:512M`; aarch64 `2G-4G:256M,4G-64G:320M,64G-:576M`;
///    ppc64(le) `2G-4G:384M,4G-16G:512M,16G-64G:1G,64G-128G:2G,128G-:4G`. Below the table's first
///    range kdump-utils reserves nothing; we use SUSE calibrate's DEF_RESERVE (192 MiB, 384 MiB on ppc64)
///    so that a small machine still gets a working capture kernel.
/// 2. **Estimate** — `kdumpctl estimate`: capture kernel size + initrd size + 64 MiB run-time
///    reservation, plus SUSE calibrate's makedumpfile term: two bitmaps of one bit per RAM page,
///    capped at 32 MiB. When the capture boot brings up the network (a remote dump target or an e-mail),
///    plus **32 MiB for the network stack** (`networkMiB`): the NIC driver's receive and transmit rings and
///    their skb buffers (a few MiB for virtio-net or e1000e at their default ring sizes), TCP socket
///    buffers that autotune up to the default tcp_rmem/tcp_wmem maximum of 6 MiB and 4 MiB, and the
///    transport's user space — ssh (about 8 MiB resident with its crypto), libcurl, mount.nfs/mount.cifs —
///    plus the DHCP client; with the 64 MiB run-time term already holding systemd and makedumpfile, this
///    keeps a streamed save out of the OOM killer, which is how a network dump fails in a tight reservation.
/// 3. **RECOMMENDATION** = max(baseline, estimate), in whole MiB.
/// 4. **Low/High** (SUSE's `kdumptool calibrate` and its documented formula):
///    - x86_64 with more than 4 GiB of RAM: High = RECOMMENDATION + LUNs/2, and Low is reserved as
///      well: SUSE's MINLOW, 72 MiB (64 MiB swiotlb + 8 MiB for DMA buffers) — said explicitly, because
///      without `,low` the kernel takes 256 MiB below 4 GiB by itself.
///      Parameters: `crashkernel=HM,high crashkernel=LM,low`.
///    - x86_64 with 4 GiB or less: only High is reserved (Low is ignored): `crashkernel=HM`.
///    - every other architecture has only Low: Low = RECOMMENDATION + LUNs/2, `crashkernel=LM`.
///    LUNs/2 is rounded up (SUSE: "LUNs: the maximum number of LUN kernel paths", multipath excluded).
/// 5. **Comparison** — sufficient when what is reserved now (both "Crash kernel" ranges) is at least
///    Low + High.
public enum CrashkernelCalibrator {
    static let mib: UInt64 = 1 << 20
    static let gib: UInt64 = 1 << 30
    /// kdumpctl estimate's run-time reservation.
    static let runtimeMiB = 64
    /// SUSE calibrate's MINLOW (64 MiB swiotlb + 8 MiB).
    static let minLowMiB = 72
    /// SUSE calibrate's MAX_BITMAP_KB.
    static let maxBitmapMiB = 32
    /// The network stack of a capture boot that needs the network (see the type's description).
    public static let networkMiB = 32

    /// A range of kdump-utils' table: from `fromGiB` (inclusive) to `toGiB` (exclusive, nil = no end).
    struct TableEntry: Equatable {
        var fromGiB: Int
        var toGiB: Int?
        var sizeMiB: Int
    }

    /// The recommendation for `inputs`.
    public static func calibrate(_ inputs: CalibrationInputs) -> CrashkernelRecommendation {
        let ramGiB = Int(inputs.ramBytes / gib + (inputs.ramBytes % gib == 0 ? 0 : 1))
        let baseline = baselineMiB(ramGiB: ramGiB, arch: inputs.arch)
        let kernel = mibRoundedUp(inputs.kernelBytes ?? 0)
        let initrd = mibRoundedUp(inputs.initrdBytes ?? 0)
        let bitmap = bitmapMiB(ramBytes: inputs.ramBytes, pageSize: inputs.pageSize)
        let network = inputs.networkDump ? networkMiB : 0
        let estimated = kernel + initrd + runtimeMiB + bitmap + network
        let recommendation = max(baseline, estimated)
        let lunTerm = max(0, inputs.luns) / 2 + max(0, inputs.luns) % 2

        var recommendedLow = 0, recommendedHigh = 0
        var low: Int?, high: Int?
        var parameters: String
        if isX86_64(inputs.arch) {
            recommendedHigh = recommendation
            high = recommendation + lunTerm
            if inputs.ramBytes > 4 * gib {
                recommendedLow = minLowMiB
                low = minLowMiB
                parameters = "crashkernel=\(high!)M,high crashkernel=\(low!)M,low"
            } else {
                parameters = "crashkernel=\(high!)M"
            }
        } else {
            recommendedLow = recommendation
            low = recommendation + lunTerm
            parameters = "crashkernel=\(low!)M"
        }
        let reservedMiB = Int(inputs.reservedBytes / mib)
        return CrashkernelRecommendation(
            arch: inputs.arch, ramMiB: Int(inputs.ramBytes / mib), ramGiB: ramGiB, luns: inputs.luns,
            estimate: .init(baselineMiB: baseline, kernelMiB: kernel, initrdMiB: initrd, runtimeMiB: runtimeMiB,
                            bitmapMiB: bitmap, networkMiB: network, estimatedMiB: estimated),
            recommendationMiB: recommendation, recommendedLow: recommendedLow, recommendedHigh: recommendedHigh,
            low: low, high: high, parameters: parameters, reservedMiB: reservedMiB,
            sufficient: reservedMiB >= (low ?? 0) + (high ?? 0))
    }

    /// kdump-utils' default table for `arch`.
    static func table(arch: String) -> [TableEntry] {
        switch arch {
        case "aarch64", "arm64":
            return [.init(fromGiB: 2, toGiB: 4, sizeMiB: 256), .init(fromGiB: 4, toGiB: 64, sizeMiB: 320),
                    .init(fromGiB: 64, toGiB: nil, sizeMiB: 576)]
        case "ppc64le", "ppc64":
            return [.init(fromGiB: 2, toGiB: 4, sizeMiB: 384), .init(fromGiB: 4, toGiB: 16, sizeMiB: 512),
                    .init(fromGiB: 16, toGiB: 64, sizeMiB: 1024), .init(fromGiB: 64, toGiB: 128, sizeMiB: 2048),
                    .init(fromGiB: 128, toGiB: nil, sizeMiB: 4096)]
        default:
            return [.init(fromGiB: 2, toGiB: 64, sizeMiB: 256), .init(fromGiB: 64, toGiB: nil, sizeMiB: 512)]
        }
    }

    /// The table's size for `ramGiB`, or SUSE's default reservation below the table.
    static func baselineMiB(ramGiB: Int, arch: String) -> Int {
        for entry in table(arch: arch) where ramGiB >= entry.fromGiB && (entry.toGiB.map { ramGiB < $0 } ?? true) {
            return entry.sizeMiB
        }
        return arch.hasPrefix("ppc64") ? 384 : 192
    }

    /// Two bitmaps of one bit per page, rounded up to MiB, at most 32 MiB.
    static func bitmapMiB(ramBytes: UInt64, pageSize: Int) -> Int {
        let pages = ramBytes / UInt64(max(pageSize, 512))
        return min(maxBitmapMiB, mibRoundedUp(pages * 2 / 8))
    }

    static func isX86_64(_ arch: String) -> Bool { arch == "x86_64" || arch == "amd64" }

    static func mibRoundedUp(_ bytes: UInt64) -> Int { Int(bytes / mib + (bytes % mib == 0 ? 0 : 1)) }
}
