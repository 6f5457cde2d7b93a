@testable import RebootPlan
import LinuxSystem
import KexecCore
import Testing

/// The snapshot probes each distinct kernel and initrd path once, and only the files the plan for its options
/// uses: the explicit ones, the kdump overrides and the chosen target's (not every entry's).
@Suite struct FileProbeCacheTests {
    /// A fake file system that counts its probes: every path exists; a kernel probe finds a bzImage of the
    /// release its file name says (`vmlinuz-6.12.9-amd64`: 6.12.9-amd64), 6.1 when it says none.
    final class CountingProbe {
        var calls: [String] = []
        var inspected: [String] = []

        func probe(_ path: String, _ inspectKernel: Bool) -> FileFacts {
            calls.append(path)
            if inspectKernel { inspected.append(path) }
            return FileFacts(path: path, exists: true, readable: true, isRegularFile: true, size: 100,
                             image: inspectKernel ? KernelImageInfo(format: .bzImage, arch: "x86_64", release: Self.release(path)) : nil)
        }

        static func release(_ path: String) -> String {
            guard let dash = path.firstIndex(of: "-"), path.contains("vmlinuz") else { return "6.1" }
            return String(path[path.index(after: dash)...])
        }
    }

    static let kernel61 = RebootPlannerTests.kernel61
    static let kernel612 = RebootPlannerTests.kernel612
    static let initrd61 = "/boot/initrd.img-6.1.0-28-amd64"

    /// The Debian-like snapshot of `RebootPlannerTests` with nothing probed yet.
    static func unprobed() -> SystemSnapshot {
        var snapshot = RebootPlannerTests.snapshot()
        snapshot.files = [:]
        return snapshot
    }

    @Test func twoEntriesOnOneKernelFileOpenItOnce() {
        let counter = CountingProbe()
        var cache = FileProbeCache(probe: counter.probe)
        let first = cache.facts(of: "/boot/vmlinuz", asKernel: true)
        let second = cache.facts(of: "/boot/vmlinuz", asKernel: true)
        #expect(counter.calls == ["/boot/vmlinuz"])
        #expect(first == second)
        #expect(first.image?.release == "6.1")
    }

    @Test func aPathProbedAsAnInitrdIsProbedAgainWithItsImageWhenAskedForAsAKernel() {
        let counter = CountingProbe()
        var cache = FileProbeCache(probe: counter.probe)
        #expect(cache.facts(of: "/boot/image", asKernel: false).image == nil)
        #expect(cache.facts(of: "/boot/image", asKernel: true).image != nil)
        #expect(cache.facts(of: "/boot/image", asKernel: false).image != nil)
        #expect(counter.calls == ["/boot/image", "/boot/image"])
        #expect(counter.inspected == ["/boot/image"])
    }

    @Test func onlyTheDefaultEntrysKernelAndInitrdAreProbed() {
        let counter = CountingProbe()
        let files = SystemSnapshot.probeFiles(Self.unprobed(), options: PlanOptions(), cache: FileProbeCache(probe: counter.probe))
        #expect(counter.calls == [Self.kernel61, Self.initrd61])
        #expect(counter.inspected == [Self.kernel61])
        #expect(Set(files.keys) == [Self.kernel61, Self.initrd61])
    }

    @Test func theEntryChosenWithEntryIsProbedNotTheDefault() {
        let counter = CountingProbe()
        let options = PlanOptions(entry: "1>0")
        let snapshot = Self.unprobed()
        var probed = snapshot
        probed.files = SystemSnapshot.probeFiles(snapshot, options: options, cache: FileProbeCache(probe: counter.probe))
        #expect(counter.calls == [Self.kernel612])
        let plan = RebootPlanner.plan(probed, options)
        #expect(plan.target?.kernel == Self.kernel612)
        #expect(plan.checks.first { $0.id == .kernelImage }?.status == .pass)
    }

    @Test func anExplicitKernelAndAKdumpKernelThatIsAlsoTheTargetAreProbedOnceEach() {
        let counter = CountingProbe()
        var snapshot = Self.unprobed()
        snapshot.kdump = KdumpConfig(file: "/etc/default/kdump-tools", kernel: Self.kernel61, initrd: Self.initrd61)
        _ = SystemSnapshot.probeFiles(snapshot, options: PlanOptions(mode: .kdumpTest),
                                      cache: FileProbeCache(probe: counter.probe))
        #expect(counter.calls == [Self.kernel61, Self.initrd61])
        let explicit = CountingProbe()
        _ = SystemSnapshot.probeFiles(Self.unprobed(), options: PlanOptions(kernel: "/tmp/vmlinuz", initrds: ["/tmp/initrd"]),
                                      cache: FileProbeCache(probe: explicit.probe))
        #expect(explicit.calls == ["/tmp/vmlinuz", "/tmp/initrd"])
    }

    /// A real tree: 50 entries on one kernel file and one entry whose kernel is not an image. Planning the
    /// default reads the one kernel; the bad image of the entry not chosen is not opened, and choosing that
    /// entry names it in the failed kernel-image check.
    @Test func aTreeWithManyEntriesOnOneKernelProbesOnlyWhatThePlanUses() throws {
        let t = HostileTreeFixture()
        defer { t.remove() }
        var grub = "set default=\"0\"\n"
        for n in 0..<50 { grub += "menuentry 'Linux \(n)' {\n linux /boot/vmlinuz-6.1.0-1-amd64 root=/dev/sda1 ro\n initrd /boot/initrd.img\n}\n" }
        grub += "menuentry 'Broken' {\n linux /boot/vmlinuz-broken root=/dev/sda1 ro\n}\n"
        t.file("boot/grub/grub.cfg", grub)
        t.file("proc/self/mountinfo", "1 0 8:1 / / rw - ext4 /dev/sda1 rw\n")
        t.bytes("boot/vmlinuz-6.1.0-1-amd64", [UInt8](repeating: 0x5A, count: 4096))
        t.bytes("boot/initrd.img", [UInt8](repeating: 0x1F, count: 512))
        t.bytes("boot/vmlinuz-broken", [UInt8](repeating: 0x5A, count: 4096))
        let process = ProcessContext(effectiveUID: 0, hasCapSysBoot: true, machineArch: "x86_64")
        let snapshot = SystemSnapshot.read(root: RootDirectory(t.path), options: PlanOptions(), process: process, sessions: [])
        #expect(snapshot.bootLoader.entries.count == 51)
        #expect(Set(snapshot.files.keys) == ["/boot/vmlinuz-6.1.0-1-amd64", "/boot/initrd.img"])

        let broken = PlanOptions(entry: "Broken")
        let brokenSnapshot = SystemSnapshot.read(root: RootDirectory(t.path), options: broken, process: process, sessions: [])
        #expect(Set(brokenSnapshot.files.keys) == ["/boot/vmlinuz-broken"])
        let check = try #require(RebootPlanner.plan(brokenSnapshot, broken).checks.first { $0.id == .kernelImage })
        #expect(check.status == .fail)
        #expect(check.message.hasPrefix("/boot/vmlinuz-broken: "))
    }
}
