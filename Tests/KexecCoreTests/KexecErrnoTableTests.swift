@testable import KexecCore
import LinuxSystem
import KrebootTestSupport
import Testing
import SystemPackage

#if canImport(Glibc)
import Glibc
#endif

@Suite struct KexecErrnoTableTests {
    /// The errnos that let kexec-tools try (lockdown off).
    @Test(arguments: [ENOSYS, EOPNOTSUPP, ENOTSUP, ENOEXEC, EINVAL])
    func fallsBack(_ value: Int32) {
        guard case .fallback = KexecErrnoTable.verdict(Errno(rawValue: value), lockdown: LockdownMode.none) else {
            Issue.record("errno \(value) should allow the fallback"); return
        }
    }

    /// Signature refusals: never a fallback, reported as unavailable naming the signature.
    @Test(arguments: [ENODATA, EKEYREJECTED, ENOKEY, EBADMSG, ELIBBAD])
    func signatureRefusal(_ value: Int32) {
        for lockdown in [nil, LockdownMode.none, .integrity] {
            guard case .refuse(let code, let reason) = KexecErrnoTable.verdict(Errno(rawValue: value), lockdown: lockdown) else {
                Issue.record("errno \(value) must not fall back"); continue
            }
            #expect(code == .unavailable)
            #expect(reason.contains("signature"))
            #expect(reason.contains(KexecErrnoTable.symbol(value)))
        }
    }

    @Test(arguments: [EPERM, EACCES])
    func permissionUnderLockdownIsALockdownRefusal(_ value: Int32) {
        guard case .refuse(let code, let reason) = KexecErrnoTable.verdict(Errno(rawValue: value), lockdown: .confidentiality) else {
            Issue.record("no fallback under lockdown"); return
        }
        #expect(code == .unavailable)
        #expect(reason.contains("lockdown (confidentiality"))
        guard case .refuse(let plain, _) = KexecErrnoTable.verdict(Errno(rawValue: value), lockdown: LockdownMode.none) else {
            Issue.record("EPERM never falls back"); return
        }
        // Without lockdown EPERM is a missing capability (77); EACCES is IMA's appraisal refusing the file (69).
        #expect(plain == (value == EPERM ? .noPermission : .unavailable))
    }

    /// What the kernel answers under Secure Boot, as measured: each reads as the refusal it is, with exit 69.
    @Test(arguments: [(ENODATA, "kernel signature missing or not verifiable"), (EKEYREJECTED, "signature rejected, bad or tampered"),
                      (ENOKEY, "signed by a key the kernel does not trust"), (EACCES, "refused by IMA/Secure Boot policy")])
    func secureBootRefusalsSayWhatTheyAre(_ value: Int32, _ phrase: String) {
        for lockdown in [nil, LockdownMode.none, .integrity] {
            guard case .refuse(let code, let reason) = KexecErrnoTable.verdict(Errno(rawValue: value), lockdown: lockdown) else {
                Issue.record("errno \(value) must never fall back"); continue
            }
            #expect(code == .unavailable)
            #expect(reason.hasPrefix(phrase) || reason.contains(phrase), "\(reason)")
            #expect(reason.contains(KexecErrnoTable.symbol(value)))
        }
    }

    @Test(arguments: [ENOEXEC, EINVAL])
    func formatErrorsUnderLockdownDoNotFallBack(_ value: Int32) {
        guard case .refuse(let code, let reason) = KexecErrnoTable.verdict(Errno(rawValue: value), lockdown: .integrity) else {
            Issue.record("no fallback under lockdown"); return
        }
        #expect(code == .unavailable)
        #expect(reason.contains("forbids kexec_load"))
    }

    @Test func crashENOMEMNamesTheReservation() {
        #expect(KexecErrnoTable.verdict(.noMemory, lockdown: nil, crash: true)
            == .refuse(.unavailable, "the capture kernel and initrd do not fit into the crashkernel reservation (ENOMEM): reserve more with crashkernel="))
        guard case .refuse(.failed, _) = KexecErrnoTable.verdict(.noMemory, lockdown: nil) else { Issue.record("ENOMEM"); return }
    }
}
