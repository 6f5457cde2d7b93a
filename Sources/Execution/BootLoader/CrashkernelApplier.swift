import Kdump
import LinuxSystem

/// Carries out a `CrashkernelApplyPlan` on the system under a root: each file written safely
/// (`ConfigFileWriter`: temporary file, fsync, rename) or removed, then the grub.cfg generator run through
/// `runner` — only on the running system: under `--root` the tree is edited and the generator is not run on
/// this host (its grub.cfg is not the tree's), which the result says.
public struct CrashkernelApplier {
    /// What was done, one line each, and whether the generator failed.
    public struct Result: Sendable, Equatable {
        public var done: [String]
        /// The generator's failure (status and output), when it failed; the files stay edited.
        public var generatorFailure: String?
    }

    public var root: RootDirectory
    public var runner: any SubprocessRunner
    /// Whether the generator runs: only for the running system (tests with a fake runner say true).
    public var runsGenerator: Bool

    public init(root: RootDirectory = RootDirectory(), runner: any SubprocessRunner = SpawnSubprocessRunner(),
                runsGenerator: Bool? = nil) {
        self.root = root
        self.runner = runner
        self.runsGenerator = runsGenerator ?? root.isRealRoot
    }

    /// Applies `plan`. A file that cannot be written stops it there (the error names the file).
    public func apply(_ plan: CrashkernelApplyPlan) throws(SystemError) -> Result {
        var result = Result(done: [], generatorFailure: nil)
        for edit in plan.edits {
            if let after = edit.after {
                try ConfigFileWriter.write(after, to: root.hostPath(edit.path), displayPath: edit.path)
                result.done.append("\(edit.before == nil ? "wrote" : "updated") \(edit.path)")
            } else {
                try ConfigFileWriter.remove(root.hostPath(edit.path), displayPath: edit.path)
                result.done.append("removed \(edit.path)")
            }
        }
        guard let generator = plan.generator else { return result }
        guard runsGenerator else {
            result.done.append("not run under --root \(root.path): \(generator.joined(separator: " ")) "
                + "(run it in that system, e.g. chroot \(root.path) \(generator.joined(separator: " ")))")
            return result
        }
        let run = runner.runReportingSpawnFailure(generator)
        if run.status == 0 {
            result.done.append("ran \(generator.joined(separator: " "))")
        } else {
            result.generatorFailure = "\(generator.joined(separator: " ")) exited \(run.status): \(run.output.trimmingWhitespace().suffix(400))"
        }
        return result
    }
}
