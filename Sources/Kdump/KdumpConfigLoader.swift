import LinuxSystem
import RebootPlan

/// The kdump configuration for the kdump commands: `--config FILE`, else what KdumpConfigReader finds
/// under the root, else the defaults. `FILE` is a path of the system under the root, as every other path.
public enum KdumpConfigLoader {
    /// Loads the configuration; a `--config` file that cannot be read is an error naming it.
    public static func load(file: String?, root: RootDirectory) throws(SystemError) -> KdumpConfig {
        guard let file else {
            return KdumpConfigReader.read(root: root) ?? KdumpConfig(file: "(defaults)")
        }
        guard let text = try root.readFileText(file, limit: .configFile) else {
            let place = root.isRealRoot ? "" : " under \(root.path)"
            throw SystemError(.badData, path: file, "\(file)\(place): cannot read the kdump configuration")
        }
        return KdumpConfigReader.parse(text: text, file: file)
    }
}
