import Quiesce
import LinuxSystem
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
