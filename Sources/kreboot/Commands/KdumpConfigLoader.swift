import Execution
import Kdump
import LinuxSystem
import KexecCore
import Quiesce
import RebootPlan

/// The kdump configuration for the kdump commands: `--config FILE`, else what KdumpConfigReader finds
/// under the root, else the defaults.
enum KdumpConfigLoader {
    /// Loads the configuration; a `--config` file that cannot be read is an error naming it.
    static func load(file: String?, root: RootDirectory) throws(KdumpConfigLoadError) -> KdumpConfig {
        guard let file else {
            return KdumpConfigReader.read(root: root) ?? KdumpConfig(file: "(defaults)")
        }
        guard let text = RootDirectory().readText(file) else { throw KdumpConfigLoadError(message: "\(file): cannot read") }
        return parse(text: text, file: file)
    }

    /// Parses a kdump configuration file (SUSE or Debian names, shell quoting).
    static func parse(text: String, file: String) -> KdumpConfig {
        KdumpConfigReader.parse(text: text, file: file)
    }
}

/// A `--config` file that could not be read.
struct KdumpConfigLoadError: Error {
    let message: String
}
