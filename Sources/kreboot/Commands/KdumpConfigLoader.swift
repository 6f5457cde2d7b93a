import RebootPlan

/// The kdump configuration for the kdump commands: `--config FILE`, else what KdumpConfigReader finds
/// under the root, else the defaults.
enum KdumpConfigLoader {
    /// Loads the configuration; a `--config` file that cannot be read is an error naming it.
    static func load(file: String?, root: RootDirectory) throws(KdumpConfigLoadError) -> KdumpConfig {
        guard let file else {
            return KdumpConfigReader.read(root: root) ?? KdumpConfig(file: "(defaults)")
        }
        let text: String
        do {
            guard let read = try RootDirectory().readFileText(file, limit: .configFile) else { throw KdumpConfigLoadError(message: "\(file): cannot read") }
            text = read
        } catch let error as RebootPlanError {
            throw KdumpConfigLoadError(message: error.message)
        } catch {
            throw error as! KdumpConfigLoadError
        }
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
