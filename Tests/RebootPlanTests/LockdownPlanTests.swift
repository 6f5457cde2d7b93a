@testable import RebootPlan
import LinuxSystem
import KexecCore
import Testing

/// Lockdown, Secure Boot and the kernel's signature in the plan's checks: under lockdown an unsigned kernel is
/// refused by the plan itself, before anything is loaded or stopped.
@Suite struct LockdownPlanTests {
    typealias P = RebootPlannerTests

    static func snapshot(lockdown: LockdownMode?, signed: String?, secureBoot: Bool? = true,
                         mode: PlanMode = .reboot) -> SystemSnapshot {
        var snapshot = P.snapshot()
        snapshot.kernel.lockdown = lockdown
        snapshot.kernel.efiBooted = true
        snapshot.kernel.secureBoot = secureBoot
        var details: [String: String] = [:]
        if let signed { details["signed"] = signed }
        if signed == "true" { details["signatureBytes"] = "1856" }
        for kernel in [P.kernel61, P.kernel612] {
            snapshot.files[kernel]?.image?.details = details
        }
        return snapshot
    }

    @Test(arguments: [PlanMode.reboot, .kdumpTest])
    func anUnsignedKernelUnderLockdownFailsThePlanNamingTheFileAndTheSignature(_ mode: PlanMode) throws {
        let plan = RebootPlanner.plan(Self.snapshot(lockdown: .integrity, signed: "false"), PlanOptions(mode: mode))
        #expect(!plan.ok)
        let check = try #require(plan.checks.first { $0.id == .signature })
        #expect(check.status == .fail)
        #expect(check.message.hasPrefix("\(P.kernel61): no signature"))
        #expect(check.message.contains("lockdown (integrity) loads only signed kernels"))
        #expect(plan.firstFailure?.id == .signature)
    }

    @Test func aSignedKernelUnderLockdownPassesAndSaysTheSize() throws {
        let plan = RebootPlanner.plan(Self.snapshot(lockdown: .integrity, signed: "true"), PlanOptions())
        #expect(plan.ok)
        let check = try #require(plan.checks.first { $0.id == .signature })
        #expect(check.status == .pass)
        #expect(check.message == "\(P.kernel61): signed (Authenticode certificate table, 1856 bytes); lockdown (integrity): the kernel verifies it against its keyrings at load")
        #expect(plan.checks.first { $0.id == .lockdown }?.status == .warn)
    }

    @Test func withoutLockdownAnUnsignedKernelIsShownNotRefused() throws {
        let plan = RebootPlanner.plan(Self.snapshot(lockdown: LockdownMode.none, signed: "false", secureBoot: false), PlanOptions())
        #expect(plan.ok)
        #expect(plan.checks.first { $0.id == .signature }?.message.hasSuffix("not required (kernel lockdown is off)") == true)
    }

    @Test func secureBootStateIsAlwaysShown() {
        func message(_ efi: Bool?, _ secure: Bool?) -> String? {
            var snapshot = P.snapshot()
            snapshot.kernel.efiBooted = efi
            snapshot.kernel.secureBoot = secure
            return RebootPlanner.plan(snapshot, PlanOptions()).checks.first { $0.id == .secureBoot }?.message
        }
        #expect(message(true, true)?.hasPrefix("Secure Boot is enabled") == true)
        #expect(message(true, false)?.hasPrefix("Secure Boot is disabled") == true)
        #expect(message(false, nil)?.hasPrefix("not booted through UEFI") == true)
    }

    @Test func aUKIsSignatureIsItsLinuxSections() {
        var info = KernelImageInfo(format: .uki, arch: "x86_64", details: ["signed": "true", "linuxSigned": "false"])
        #expect(KexecRules.signatureState(info).signed == false)
        info.details["linuxSigned"] = "true"
        info.details["linuxSignatureBytes"] = "1792"
        #expect(KexecRules.signatureState(info) == (true, "the UKI's .linux is signed (Authenticode certificate table, 1792 bytes); the UKI is signed"))
    }

    @Test func theSecureBootVariableIsRead() {
        let tree = BootLoaderFixtures.ScratchTree()
        tree.write("/sys/firmware/efi/efivars/SecureBoot-8be4df61-93ca-11d2-aa0d-00e098032b8c", bytes: [6, 0, 0, 0, 1])
        let state = KernelStateReader.read(root: tree.root)
        #expect(state.efiBooted == true)
        #expect(state.secureBoot == true)
        tree.write("/sys/firmware/efi/efivars/SecureBoot-8be4df61-93ca-11d2-aa0d-00e098032b8c", bytes: [6, 0, 0, 0, 0])
        #expect(KernelStateReader.read(root: tree.root).secureBoot == false)
        let bios = BootLoaderFixtures.ScratchTree()
        bios.write("/sys/firmware/acpi/tables/DSDT", "x")
        #expect(KernelStateReader.read(root: bios.root).efiBooted == false)
        #expect(KernelStateReader.read(root: bios.root).secureBoot == nil)
    }
}
