import KexecCore
import RebootPlan

/// Chooses the real kexec loader for this machine.
enum LoaderFactory {
    /// The loader a real run uses: kexec_file_load, with kexec-tools as the fallback.
    /// Refusals are reported against the running kernel's lockdown mode; loads are recorded in /run/kreboot/state.json.
    static func make() -> any KexecLoader {
        let lockdown = KernelStateReader.read(root: RootDirectory()).lockdown
        return StateRecordingLoader(loader: .system(lockdown: lockdown))
    }
}

/// Stands in until the real loader is wired: every call fails.
struct UnavailableLoader: KexecLoader {
    private func refuse(_ operation: String) -> KexecError {
        KexecError(.unavailable, operation: operation, "the kexec loader is not available in this build")
    }
    func load(_ image: KexecImage, crash: Bool) throws(KexecError) { throw refuse("load") }
    func unload(crash: Bool) throws(KexecError) { throw refuse("unload") }
    func exec() throws(KexecError) { throw refuse("exec") }
    func panic() throws(KexecError) { throw refuse("panic") }
}
