import FoundationEssentials
import Kdump
import LinuxSystem
import RebootPlan
import SystemPackage

#if canImport(Glibc)
import Glibc
#endif

/// Builds kreboot's capture initrd when `CaptureInitrdRecipe` says so, before `kreboot kdump start` or
/// `reload` loads the capture kernel: makes the configuration directory anew (links to the production
/// configuration plus the MODULES=dep override), runs mkinitramfs through `runner` (it writes beside the final
/// name), renames the result into place and writes the stamp naming the production initrd as it was. A build
/// that fails leaves the previous capture initrd (if any) and nothing half-written: the caller keeps the
/// production initrd and says why.
public struct CaptureInitrdBuilder {
    /// What `prepare` did.
    public enum Outcome: Sendable, Equatable {
        /// Built now: the initrd, its size, how long the build took.
        case built(path: String, bytes: UInt64, seconds: Double)
        /// The capture kernel already uses a fresh one.
        case current(path: String)
        /// The production initrd is kept, for this reason.
        case keptProduction(String)
        /// The build failed (one line: the command, its status, its last output line); the production
        /// initrd is used.
        case failed(String)
        /// A build is needed and was left for later (`prepare(…, buildNow: false)`): this initrd.
        case deferred(path: String)
    }

    public var root: RootDirectory
    public var runner: any SubprocessRunner
    /// How long mkinitramfs may take.
    public var timeout: Duration

    public init(root: RootDirectory = RootDirectory(), runner: any SubprocessRunner = SpawnSubprocessRunner(),
                timeout: Duration = .seconds(1200)) {
        self.root = root
        self.runner = runner
        self.timeout = timeout
    }

    /// Decides for `service`'s capture kernel and builds when needed (unless not `buildNow`); `progress` hears
    /// a line before a build.
    public func prepare(service: KdumpService, buildNow: Bool = true, progress: (String) -> Void = { _ in }) -> Outcome {
        guard case .success(let request) = service.request() else { return .keptProduction("no capture kernel") }
        let snapshot = service.snapshot
        let decision = CaptureInitrdRecipe.decide(
            inputs: CaptureInitrdInputs.read(root: root), release: snapshot.kernel.runningRelease,
            initrds: request.image.initrds,
            configNamesFiles: snapshot.kdump?.kernel != nil || snapshot.kdump?.initrd != nil,
            existing: snapshot.captureInitrd)
        switch decision {
        case .current(let existing): return .current(path: existing.path)
        case .keepProduction(let reason): return .keptProduction(reason)
        case .build(let build):
            guard buildNow else { return .deferred(path: build.output) }
            progress("building kreboot's capture initrd \(build.output) from \(build.source)'s recipe with "
                     + "MODULES=\(build.modules) (mkinitramfs; once per kernel and initramfs change)")
            return self.build(build)
        }
    }

    /// Carries out `build`.
    public func build(_ build: CaptureInitrdBuild) -> Outcome {
        let started = ContinuousClock.now
        do {
            try makeConfigDirectory(build)
        } catch {
            return .failed(error.message)
        }
        guard let source = root.identity(build.source) else {
            return .failed("\(build.source): cannot read it to build the capture initrd")
        }
        let temporary = root.hostPath(build.temporaryOutput)
        unlink(temporary)
        let run = runner.runReportingSpawnFailure(build.argv, options: SubprocessOptions(timeout: timeout))
        guard run.status == 0, case .success(let built) = root.status(build.temporaryOutput), built.st_size > 0 else {
            unlink(temporary)
            let why = run.timedOut ? "timed out" : "exited \(run.status)"
            return .failed("\(build.argv.joined(separator: " ")) \(why)" + (run.lastLine.map { ": \($0)" } ?? ""))
        }
        guard rename(temporary, root.hostPath(build.output)) == 0 else {
            let err = Errno(rawValue: errno)
            unlink(temporary)
            return .failed("\(build.output): cannot rename \(build.temporaryOutput) over it: \(err)")
        }
        let stamp = CaptureInitrd.Stamp(
            release: build.release, source: build.source, sourceBytes: source.bytes,
            sourceModifiedNanoseconds: source.modifiedNanoseconds,
            modules: build.modules, builtAt: ISOTimestamp.string())
        do {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
            try RecordWriter.write(Array(encoder.encode(stamp)), to: build.stampPath, in: root, operation: "capture initrd")
        } catch let error as SystemError {
            return .failed(error.message)
        } catch {
            return .failed("\(build.stampPath): \(error)")
        }
        let took = (ContinuousClock.now - started).components
        return .built(path: build.output, bytes: UInt64(max(0, built.st_size)),
                      seconds: Double(took.seconds) + Double(took.attoseconds) / 1e18)
    }

    /// Makes `build.configDirectory` anew: the old one removed (it holds only links, conf.d and written files),
    /// then the links and files.
    func makeConfigDirectory(_ build: CaptureInitrdBuild) throws(SystemError) {
        let dir = root.hostPath(build.configDirectory)
        try removeTree(dir, display: build.configDirectory, depth: 0)
        try DirectoryMaker.makeWithParents(dir + "/conf.d", mode: 0o755, displayPath: build.configDirectory + "/conf.d")
        for link in build.links where symlink(link.target, dir + "/" + link.name) != 0 {
            let err = Errno(rawValue: errno)
            throw SystemError(.failed, path: build.configDirectory, errno: err,
                              "\(build.configDirectory)/\(link.name): cannot link it to \(link.target): \(err)")
        }
        for file in build.files {
            try ConfigFileWriter.write(file.text, to: dir + "/" + file.name, displayPath: build.configDirectory + "/" + file.name)
        }
    }

    /// Removes `path` and what is under it, never following a link (at most three levels: the directory is
    /// kreboot's own).
    private func removeTree(_ path: String, display: String, depth: Int) throws(SystemError) {
        var st = stat()
        guard lstat(path, &st) == 0 else { return }
        if (st.st_mode & S_IFMT) == S_IFDIR, depth < 3 {
            if let dir = opendir(path) {
                var names: [String] = []
                while let entry = readdir(dir) {
                    let name = withUnsafeBytes(of: entry.pointee.d_name) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
                    if name != "." && name != ".." { names.append(name) }
                }
                closedir(dir)
                for name in names { try removeTree(path + "/" + name, display: display + "/" + name, depth: depth + 1) }
            }
            guard rmdir(path) == 0 else {
                let err = Errno(rawValue: errno)
                throw SystemError(.failed, path: display, errno: err, "\(display): cannot remove: \(err)")
            }
        } else if unlink(path) != 0 {
            let err = Errno(rawValue: errno)
            throw SystemError(.failed, path: display, errno: err, "\(display): cannot remove: \(err)")
        }
    }
}
