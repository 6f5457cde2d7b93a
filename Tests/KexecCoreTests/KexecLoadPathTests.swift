@testable import KexecCore
import LinuxSystem
import Testing

/// The load path on kernels with and without kexec_file_load, and what a capture through kexec_load needs, for
/// an x86_64 machine and a Debian-like aarch64 one (no KEXEC_FILE, no `_text` in kallsyms).
@Suite struct KexecLoadPathTests {
    static let withFileLoad = KexecFileLoadSupport(available: true, evidence: "kexec_file_load exists (it refused an unknown flag with EINVAL)")
    static let withoutFileLoad = KexecFileLoadSupport(available: false, evidence: "kexec_file_load answered ENOSYS")
    /// What Debian 12's arm64 cloud kernel (6.1.0-50-cloud-arm64, in the arm64 guest) shows: `_stext` and
    /// `__init_begin` but no `_text`, and /proc/kcore.
    static let debianArm64Symbols = KernelSymbols(found: ["_stext", "__init_begin"], kallsymsReadable: true, kcoreReadable: true)
    static let allSymbols = KernelSymbols(found: ["_text", "_stext", "__init_begin"], kallsymsReadable: true, kcoreReadable: true)

    static func kernel(_ support: KexecFileLoadSupport?, symbols: KernelSymbols? = nil,
                       lockdown: LockdownMode = .none) -> KernelState {
        KernelState(kexecLoaded: false, kexecCrashLoaded: false, kexecCrashSize: 256 << 20, kexecLoadDisabled: false,
                    lockdown: lockdown, kexecFileLoad: support, symbols: symbols)
    }

    static let arm64 = ProcessContext(effectiveUID: 0, hasCapSysBoot: true, machineArch: "aarch64")
    static let x86 = ProcessContext(effectiveUID: 0, hasCapSysBoot: true, machineArch: "x86_64")
    static let arm64Image = KernelImageInfo(format: .arm64Image, arch: "aarch64", release: "6.1.0-57-cloud-arm64")

    @Test func decideFollowsWhatTheKernelHas() {
        let missing = KexecLoadPath.decide(Self.kernel(Self.withoutFileLoad))
        #expect(missing.syscall == .kexecLoad)
        #expect(missing.loader == .kexecTools)
        #expect(missing.signature == .notChecked)
        #expect(missing.reason.contains("kexec_file_load answered ENOSYS"))
        let present = KexecLoadPath.decide(Self.kernel(Self.withFileLoad))
        #expect(present.syscall == .kexecFileLoad && present.loader == .kreboot && present.signature == .kernelPolicy)
        #expect(KexecLoadPath.decide(Self.kernel(Self.withFileLoad, lockdown: .integrity)).signature == .enforced)
        let unknown = KexecLoadPath.decide(Self.kernel(nil))
        #expect(unknown.syscall == .kexecFileLoad)
        #expect(unknown.reason.contains("not known"))
    }

    @Test func loadPathRule() {
        let tools = "/usr/sbin/kexec"
        #expect(KexecRules.loadPath(Self.kernel(Self.withFileLoad), kexecTools: nil).severity == .pass)
        let warn = KexecRules.loadPath(Self.kernel(Self.withoutFileLoad), kexecTools: tools)
        #expect(warn.severity == .warn)
        #expect(warn.message.contains("kexec_load (kexec -c)"))
        #expect(warn.message.contains("checks no signature"))
        #expect(warn.message.contains("reboot(LINUX_REBOOT_CMD_KEXEC)"))
        let noTools = KexecRules.loadPath(Self.kernel(Self.withoutFileLoad), kexecTools: nil)
        #expect(noTools.severity == .fail && noTools.code == .unavailable)
        #expect(noTools.message.contains("kexec-tools is not installed"))
        let locked = KexecRules.loadPath(Self.kernel(Self.withoutFileLoad, lockdown: .integrity), kexecTools: tools)
        #expect(locked.severity == .fail && locked.code == .unavailable)
        #expect(locked.message.contains("lockdown (integrity) forbids kexec_load"))
    }

    @Test func aarch64CaptureThroughKexecLoadNeedsTextStextInitBeginAndKcore() {
        let debian = KexecRules.crashCapture(Self.kernel(Self.withoutFileLoad, symbols: Self.debianArm64Symbols), machine: "aarch64")
        #expect(debian.severity == .fail)
        #expect(debian.code == .unavailable)
        #expect(debian.message.contains("/proc/kallsyms has no _text"))
        #expect(!debian.message.contains("has no __init_begin"))
        #expect(!debian.message.contains("has no _stext"))
        var noInitBegin = Self.allSymbols
        noInitBegin.found.remove("__init_begin")
        let initBegin = KexecRules.crashCapture(Self.kernel(Self.withoutFileLoad, symbols: noInitBegin), machine: "aarch64")
        #expect(initBegin.severity == .fail && initBegin.message.contains("/proc/kallsyms has no __init_begin"))
        #expect(debian.message.contains("CONFIG_KALLSYMS_ALL"))
        var noKcore = Self.allSymbols
        noKcore.kcoreReadable = false
        let kcore = KexecRules.crashCapture(Self.kernel(Self.withoutFileLoad, symbols: noKcore), machine: "aarch64")
        #expect(kcore.severity == .fail && kcore.message.contains("/proc/kcore is missing"))
        let hidden = KexecRules.crashCapture(
            Self.kernel(Self.withoutFileLoad, symbols: KernelSymbols(found: [], kallsymsReadable: true, addressesHidden: true, kcoreReadable: true)),
            machine: "aarch64")
        #expect(hidden.severity == .fail && hidden.message.contains("kptr_restrict"))
        #expect(KexecRules.crashCapture(Self.kernel(Self.withoutFileLoad, symbols: Self.allSymbols), machine: "aarch64").severity == .pass)
        // kexec_file_load: the kernel describes itself, whatever kallsyms shows.
        #expect(KexecRules.crashCapture(Self.kernel(Self.withFileLoad, symbols: Self.debianArm64Symbols), machine: "aarch64").severity == .pass)
    }

    @Test func x86CaptureThroughKexecLoadNeedsKcoreOnly() {
        let noKcore = KernelSymbols(found: ["_text", "_stext"], kallsymsReadable: true, kcoreReadable: false)
        #expect(KexecRules.crashCapture(Self.kernel(Self.withoutFileLoad, symbols: noKcore), machine: "x86_64").severity == .fail)
        #expect(KexecRules.crashCapture(Self.kernel(Self.withoutFileLoad, symbols: Self.debianArm64Symbols), machine: "x86_64").severity == .pass)
        #expect(KexecRules.crashCapture(Self.kernel(Self.withoutFileLoad, symbols: Self.allSymbols), machine: "riscv64").severity == .warn)
    }

    @Test func preflightRefusesACrashLoadThatWouldCaptureBrokenAndSaysHowARebootLoads() throws {
        let debian = Self.kernel(Self.withoutFileLoad, symbols: Self.debianArm64Symbols)
        let preflight = KexecPreflight(process: Self.arm64, kernel: debian, kexecTools: "/usr/sbin/kexec")
        do {
            _ = try preflight.checkLoad(kernelPath: "/boot/vmlinuz-6.1.0-57-cloud-arm64", image: Self.arm64Image, crash: true)
            Issue.record("a crash load with a broken capture was allowed")
        } catch {
            #expect(error.code == .unavailable)
            #expect(error.operation == "crash load")
            #expect(error.message.contains("_text"))
        }
        let policy = try preflight.checkLoad(kernelPath: "/boot/vmlinuz-6.1.0-57-cloud-arm64", image: Self.arm64Image, crash: false)
        #expect(policy.path.syscall == .kexecLoad)
        #expect(policy.allowsToolsFallback)
        #expect(policy.notes.contains { $0.contains("kexec_load") })
        // Without kexec-tools nothing could load it: refused before anything is loaded.
        let bare = KexecPreflight(process: Self.arm64, kernel: debian, kexecTools: nil)
        #expect(throws: KexecError.self) {
            try bare.checkLoad(kernelPath: "/boot/vmlinuz-6.1.0-57-cloud-arm64", image: Self.arm64Image, crash: false)
        }
        // x86_64 with kexec_file_load: nothing changes.
        let x86 = KexecPreflight(process: Self.x86, kernel: Self.kernel(Self.withFileLoad), kexecTools: nil)
        let x86Policy = try x86.checkLoad(kernelPath: "/boot/vmlinuz", image: KernelImageInfo(format: .bzImage, arch: "x86_64"), crash: true)
        #expect(x86Policy.path.syscall == .kexecFileLoad)
        #expect(x86Policy.notes.isEmpty)
    }
}
