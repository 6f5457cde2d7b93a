@testable import RebootPlan
import LinuxSystem
import KexecCore
import Foundation
import SystemPackage
import Testing

/// Whether the running kernel has kexec_file_load (asked of the kernel, or read from its configuration), the
/// symbols kexec-tools needs, and what the plan says about both for an x86_64 and a Debian-like aarch64 machine.
@Suite struct KexecLoadPathPlanTests {
    static let errnoENOSYS = Errno(rawValue: 38)
    static let errnoEINVAL = Errno(rawValue: 22)

    @Test func theKernelsAnswerDecides() {
        #expect(KexecFileLoadProbe.fromErrno(Self.errnoENOSYS) == KexecFileLoadSupport(available: false, evidence: "kexec_file_load answered ENOSYS"))
        #expect(KexecFileLoadProbe.fromErrno(Self.errnoEINVAL)?.available == true)
        #expect(KexecFileLoadProbe.fromErrno(Self.errnoEINVAL)?.evidence.contains("EINVAL") == true)
        #expect(KexecFileLoadProbe.fromErrno(Errno(rawValue: 1))?.available == true)  // EPERM: it exists, we may not
        #expect(KexecFileLoadProbe.fromErrno(nil) == nil)
        // The real root asks the kernel (here a fake that says ENOSYS), not the configuration.
        let real = KexecFileLoadProbe.read(root: RootDirectory(), release: "6.1.0-57-cloud-arm64", ask: { Self.errnoENOSYS })
        #expect(real?.available == false)
    }

    @Test func anotherRootIsReadFromTheRunningReleasesConfig() {
        let tree = BootLoaderFixtures.ScratchTree()
        tree.write("/proc/sys/kernel/osrelease", "6.1.0-57-cloud-arm64\n")
        tree.write("/boot/config-6.1.0-57-cloud-arm64", "CONFIG_KEXEC=y\n# CONFIG_KEXEC_FILE is not set\nCONFIG_CRASH_DUMP=y\n")
        tree.write("/boot/config-6.1.0-28-amd64", "CONFIG_KEXEC=y\nCONFIG_KEXEC_FILE=y\n")
        // The kernel running the test is not the one of the tree: its answer (here "exists") is not asked for.
        let state = KernelStateReader.read(root: tree.root, askKernel: { Self.errnoEINVAL })
        #expect(state.kexecFileLoad == KexecFileLoadSupport(available: false,
                                                             evidence: "/boot/config-6.1.0-57-cloud-arm64: # CONFIG_KEXEC_FILE is not set"))
        #expect(KexecFileLoadProbe.read(root: tree.root, release: "6.1.0-28-amd64")?.available == true)
        #expect(KexecFileLoadProbe.read(root: tree.root, release: "6.9.9") == nil)
        #expect(KexecFileLoadProbe.read(root: tree.root, release: "../../etc/passwd") == nil)
        #expect(state.symbols == nil)  // read only for a kdump test
    }

    @Test func kallsymsAreSearchedForTheCaptureSymbols() {
        let tree = BootLoaderFixtures.ScratchTree()
        tree.write("/proc/kallsyms", """
            ffff800008000000 T _stext
            ffff800008010000 T do_one_initcall
            ffff800008fd0000 t vmcoreinfo_append_str
            ffff800001234000 t nvme_probe\t[nvme]
            """)
        tree.write("/proc/kcore", "")
        let debian = KernelSymbolsReader.read(root: tree.root)
        #expect(debian == KernelSymbols(found: ["_stext"], kallsymsReadable: true, kcoreReadable: true))
        let hidden = KernelSymbolsReader.parse("0000000000000000 T _text\n0000000000000000 T _stext\n", names: KernelSymbolsReader.captureSymbols)
        #expect(hidden.addressesHidden && hidden.found.isEmpty)
        let full = KernelSymbolsReader.parse("ffff800008000000 T _text\nffff800008010000 T _stext\nffff8000093a0000 D __init_begin\n",
                                             names: KernelSymbolsReader.captureSymbols)
        #expect(full.found == ["_text", "_stext", "__init_begin"])
        let none = KernelSymbolsReader.read(root: BootLoaderFixtures.ScratchTree().root)
        #expect(none == KernelSymbols(found: [], kallsymsReadable: false, kcoreReadable: false))
    }

    /// RebootPlannerTests' Debian machine moved to arm64: Debian's cloud arm64 kernel, no kexec_file_load.
    static func arm64Snapshot(symbols: KernelSymbols? = nil, kexecTools: String? = "/usr/sbin/kexec") -> SystemSnapshot {
        let kernel = "/boot/vmlinuz-6.1.0-57-cloud-arm64"
        var snapshot = RebootPlannerTests.snapshot()
        snapshot.process.machineArch = "aarch64"
        snapshot.bootLoader.entries = snapshot.bootLoader.entries.map { entry in
            var arm = entry
            arm.kernel = kernel
            arm.initrds = []
            return arm
        }
        snapshot.files = [kernel: FileFacts(path: kernel, exists: true, readable: true, isRegularFile: true, size: 30 << 20,
                                            image: KernelImageInfo(format: .arm64Image, arch: "aarch64", release: "6.1.0-57-cloud-arm64"))]
        snapshot.kernel.runningRelease = "6.1.0-57-cloud-arm64"
        snapshot.kernel.kexecFileLoad = KexecFileLoadSupport(available: false, evidence: "kexec_file_load answered ENOSYS")
        snapshot.kernel.symbols = symbols
        snapshot.kexecTools = kexecTools
        return snapshot
    }

    @Test func anArm64RebootPlanSaysUpFrontItLoadsThroughKexecLoad() throws {
        let plan = RebootPlanner.plan(Self.arm64Snapshot(), PlanOptions())
        #expect(plan.ok)
        let path = try #require(plan.loadPath)
        #expect(path.syscall == .kexecLoad && path.loader == .kexecTools && path.signature == .notChecked)
        let check = try #require(plan.checks.first { $0.id == .loadPath })
        #expect(check.status == .warn)
        #expect(check.message.contains("/usr/sbin/kexec"))
        #expect(plan.steps.first?.summary(loadPath: plan.loadPath) == "load /boot/vmlinuz-6.1.0-57-cloud-arm64 (kexec_load through kexec-tools)")
        #expect(plan.steps.last == .exec)
        let json = String(decoding: try JSONEncoder().encode(plan), as: UTF8.self)
        #expect(json.contains(#""loadPath":{"#))
        #expect(json.contains(#""syscall":"kexec_load""#))
        #expect(json.contains(#""signature":"not-checked""#))
        let decoded = try JSONDecoder().decode(RebootPlan.self, from: Data(json.utf8))
        #expect(decoded.loadPath == plan.loadPath)
        // Without kexec-tools nothing can load it: the plan fails up front.
        let bare = RebootPlanner.plan(Self.arm64Snapshot(kexecTools: nil), PlanOptions())
        #expect(bare.firstFailure?.id == .loadPath)
    }

    @Test func anArm64KdumpTestIsRefusedWhereTheCaptureWouldBeBroken() throws {
        let debian = KernelSymbols(found: ["_stext"], kallsymsReadable: true, kcoreReadable: true)
        let plan = RebootPlanner.plan(Self.arm64Snapshot(symbols: debian), PlanOptions(mode: .kdumpTest))
        #expect(!plan.ok)
        let failure = try #require(plan.firstFailure)
        #expect(failure.id == .crashCapture)
        #expect(failure.message.contains("no _text"))
        let full = KernelSymbols(found: ["_text", "_stext", "__init_begin"], kallsymsReadable: true, kcoreReadable: true)
        let good = RebootPlanner.plan(Self.arm64Snapshot(symbols: full), PlanOptions(mode: .kdumpTest))
        #expect(good.checks.first { $0.id == .crashCapture }?.status == .pass)
        let ids = good.checks.map(\.id)
        #expect(try #require(ids.firstIndex(of: .crashCapture)) > (try #require(ids.firstIndex(of: .crashkernel))))
    }

    @Test func anX86PlanWithKexecFileLoadIsUnchangedButForTheCheck() throws {
        var snapshot = RebootPlannerTests.snapshot()
        snapshot.kernel.kexecFileLoad = KexecFileLoadSupport(available: true, evidence: "/boot/config-6.1.0-28-amd64: CONFIG_KEXEC_FILE=y")
        let plan = RebootPlanner.plan(snapshot, PlanOptions(mode: .kdumpTest))
        #expect(plan.ok)
        #expect(plan.loadPath?.syscall == .kexecFileLoad)
        #expect(plan.checks.first { $0.id == .loadPath }?.status == .pass)
        #expect(plan.checks.first { $0.id == .crashCapture }?.status == .pass)
        #expect(plan.steps.first?.summary(loadPath: plan.loadPath) == plan.steps.first?.summary)
    }
}
