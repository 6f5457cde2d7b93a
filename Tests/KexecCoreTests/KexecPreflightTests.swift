@testable import KexecCore
import LinuxSystem
import KrebootTestSupport
import Testing

@Suite struct KexecPreflightTests {
    let root = ProcessContext(effectiveUID: 0, hasCapSysBoot: true, machineArch: "x86_64")
    let kernel = KernelState(kexecLoaded: false, kexecCrashLoaded: false, kexecCrashSize: 256 << 20, kexecLoadDisabled: false,
                             lockdown: LockdownMode.none)
    let image = KernelImageInfo(format: .bzImage, arch: "x86_64", release: "6.1.0-28-amd64", details: ["signed": "false"])

    private func refusal(_ process: ProcessContext? = nil, _ state: KernelState? = nil, image: KernelImageInfo? = nil,
                         crash: Bool = false) -> KexecError? {
        do {
            _ = try KexecPreflight(process: process ?? root, kernel: state ?? kernel)
                .checkLoad(kernelPath: "/boot/vmlinuz", image: image ?? self.image, crash: crash)
            return nil
        } catch { return error }
    }

    @Test func passes() throws {
        let policy = try KexecPreflight(process: root, kernel: kernel).checkLoad(kernelPath: "/boot/vmlinuz", image: image, crash: true)
        #expect(policy.allowsToolsFallback)
        #expect(policy.notes.isEmpty)
    }

    @Test func container() throws {
        var p = root
        p.containerReason = "running in a container (docker)"
        let e = try #require(refusal(p))
        #expect(e.code == .noPermission)
        #expect(e.message == "running in a container (docker): kexec needs the initial namespaces")
    }

    @Test func notRootOrNoCapability() throws {
        var user = root
        user.effectiveUID = 1000
        #expect(refusal(user)?.code == .noPermission)
        #expect(refusal(user)?.message.contains("euid 1000") == true)
        var noCap = root
        noCap.hasCapSysBoot = false
        #expect(refusal(noCap)?.message.contains("CAP_SYS_BOOT") == true)
    }

    @Test func disabledOrUnsupported() throws {
        var disabled = kernel
        disabled.kexecLoadDisabled = true
        #expect(refusal(nil, disabled)?.code == .unavailable)
        #expect(refusal(nil, disabled)?.message.contains("kexec_load_disabled is 1") == true)
        #expect(refusal(nil, KernelState())?.message.contains("built without kexec") == true)
    }

    @Test func crashNeedsAReservation() throws {
        var none = kernel
        none.kexecCrashSize = 0
        #expect(refusal(nil, none, crash: false) == nil)
        let e = try #require(refusal(nil, none, crash: true))
        #expect(e.code == .unavailable)
        #expect(e.message.contains("add crashkernel=256M to the kernel command line"))
        let calibrated = KexecPreflight(process: root, kernel: none, suggestedCrashkernel: "crashkernel=192M")
        #expect(throws: KexecError.self) { _ = try calibrated.checkLoad(kernelPath: "/k", image: nil, crash: true) }
    }

    @Test func otherArchitectureIsABadImage() throws {
        let arm = KernelImageInfo(format: .arm64Image, arch: "aarch64")
        let e = try #require(refusal(image: arm))
        #expect(e.code == .badImage)
        #expect(e.message == "/boot/vmlinuz: an aarch64 kernel, this machine is x86_64")
    }

    @Test func lockdownAllowsOnlySignedKernelsThroughTheFileSyscall() throws {
        var locked = kernel
        locked.lockdown = .integrity
        let e = try #require(refusal(nil, locked))
        #expect(e.code == .unavailable)
        #expect(e.message.contains("no signature"))
        #expect(e.message.hasPrefix("/boot/vmlinuz: "))
        var signed = image
        signed.details["signed"] = "true"
        let policy = try KexecPreflight(process: root, kernel: locked).checkLoad(kernelPath: "/boot/vmlinuz", image: signed, crash: false)
        #expect(!policy.allowsToolsFallback)
        #expect(policy.notes.first?.contains("integrity") == true)
    }
}
