import Execution
import Kdump
import LinuxSystem
import RebootPlan
import Quiesce
import KexecCore

/// Prints what a kernel dump is, for `kreboot inspect FILE` when `VmcoreInspector.recognises(path:)`
/// says FILE is a dump: the summary lines, or VmcoreInfo as JSON (`{"kind":"vmcore","format":…}`).
enum VmcoreOutput {
    /// Inspects `path` and prints the result; returns the exit status (65 for a corrupt or truncated dump).
    static func emit(root: RootDirectory = RootDirectory(), path: String, json: Bool) throws -> ExitStatus {
        switch VmcoreInspector.inspect(root: root, path: path) {
        case .success(let info):
            if json { try JSONOutput.print(info) } else { info.summaryLines.forEach { print($0) } }
            return .ok
        case .failure(let error):
            Terminal.error(error.message)
            return ExitStatus.forKexec(error)
        }
    }
}
