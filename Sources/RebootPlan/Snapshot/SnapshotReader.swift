import FoundationEssentials
import KexecCore
import LinuxSystem
#if canImport(Glibc)
import Glibc
#endif

extension SystemSnapshot {
    /// Reads everything the planner needs from the system under `root`: the only I/O of planning.
    /// Files are probed for what the plan for `options` uses: the explicit `--kernel` and `--initrd`, the kdump
    /// overrides and the chosen target's kernel and initrds (`probeFiles`); the other entries' files are not
    /// opened (100,000 entries cost no 200,000 probes). Plan this snapshot with the same `options`.
    /// Network mounts are probed with `probe` (in a child, bounded in time) when planning for the running
    /// system; without a probe, or for another root, they are listed as not probed.
    public static func read(root: RootDirectory = RootDirectory(), options: PlanOptions = PlanOptions(),
                            process: ProcessContext = .current(), sessions: [LoginSession]? = nil,
                            probe: (any NetworkMountProbing)? = nil) -> SystemSnapshot {
        var snapshot = SystemSnapshot(root: root, process: process, sessions: sessions)
        do {
            let table = try MountTableReader.read(root: root)
            snapshot.mounts = table.entries
            snapshot.mountTableFile = table.file
        } catch {
            snapshot.mountTableProblem = error
            snapshot.mountTableFile = error.path ?? "/proc/self/mountinfo"
        }
        do {
            let text = try root.readFileText("/proc/cmdline", limit: .kernelFile)
            let line = text.map { String($0.prefix { $0 != "\n" }).trimmingWhitespace() }
            snapshot.commandLine = line.flatMap { $0.isEmpty ? nil : $0 }
        } catch {
            snapshot.commandLineProblem = error.message
        }
        snapshot.kernel = KernelStateReader.read(root: root)
        // /proc/kallsyms (5 MB, 120,000 lines) only matters to a capture kernel loaded through kexec_load
        // (`KexecRules.crashCapture`); parsing it took most of `kreboot kdump start`'s time in a TCG guest.
        if options.mode == .kdumpTest, KexecLoadPath.decide(snapshot.kernel).syscall == .kexecLoad {
            snapshot.kernel.symbols = KernelSymbolsReader.read(root: root)
        }
        snapshot.kexecTools = KexecToolsLoader.defaultCandidates.first { root.exists($0) }
        snapshot.machineID = root.readLine("/etc/machine-id")
        snapshot.bootLoader = BootLoaderReader.read(root: root, mounts: snapshot.mounts, machineID: snapshot.machineID)
        var kdumpProblems: [String] = []
        snapshot.kdump = KdumpConfigReader.read(root: root, problems: &kdumpProblems)
        snapshot.kdumpProblem = kdumpProblems.first
        if let netconfig = snapshot.kdump?.variables["KDUMP_NETCONFIG"], netconfig.contains(":static") {
            snapshot.networkdStaticFiles = NetworkdStaticFiles.read(root: root)
        }
        snapshot.kdumpSavers = KdumpConfigReader.readAll(root: root).compactMap { config in
            KdumpSaver.kind(forConfigFile: config.file).map { kind in
                KdumpSaver(kind: kind, configFile: config.file, saveDirectory: config.localSaveDir,
                           installed: (KdumpSaver.tools[kind] ?? []).contains { path in
                               if case .success = root.status(path) { return true } else { return false } })
            }
        }
        snapshot.crashLoadRecord = readCrashLoadRecord(root: root)
        if options.mode == .kdumpTest, let release = snapshot.kernel.runningRelease {
            snapshot.captureInitrd = CaptureInitrdReader.read(root: root, release: release)
        }
        if root.isRealRoot, let path = runningExecutable() { snapshot.krebootPath = path }
        snapshot.dumpSaveDevice = snapshot.dumpDirectory.flatMap { SaveDirectoryDevice.device(for: $0, mounts: snapshot.mounts) }
        snapshot.swaps = SwapTableReader.read(root: root)
        snapshot.memAvailableBytes = SwapTableReader.memAvailableBytes(root: root)
        if root.isDirectory(JournalLocation.persistentDirectory) { snapshot.persistentJournal = JournalLocation.persistentDirectory }
        snapshot.netdevMounts = NetdevMountPoints.read(root: root)
        snapshot.networkMountProbes = probeNetworkMounts(snapshot, probe: root.isRealRoot ? probe : nil)

        snapshot.files = probeFiles(snapshot, options: options, cache: FileProbeCache(root: root))
        if options.mode == .kdumpTest {
            for dir in Set([snapshot.dumpDirectory].compactMap { $0 } + snapshot.kdumpSavers.compactMap(\.saveDirectory)) {
                if let free = root.freeBytes(dir) { snapshot.freeSpace[dir] = free }
            }
        }
        return snapshot
    }

    /// The facts of the files the plan for `options` looks at, each path probed once through `cache`: the
    /// explicit kernel and initrds and the kdump overrides first (the target selector reads the explicit
    /// kernel's UKI command line), then the kernel and initrds of the target it chooses.
    static func probeFiles(_ snapshot: SystemSnapshot, options: PlanOptions, cache: FileProbeCache) -> [String: FileFacts] {
        var cache = cache
        for kernel in [options.kernel, snapshot.kdump?.kernel].compactMap({ $0 }) { cache.facts(of: kernel, asKernel: true) }
        for initrd in options.initrds + [snapshot.kdump?.initrd].compactMap({ $0 }) { cache.facts(of: initrd, asKernel: false) }
        var selecting = snapshot
        selecting.files.merge(cache.facts) { _, probed in probed }
        if case .success(let target) = TargetSelector(snapshot: selecting, options: options).select() {
            cache.facts(of: target.kernel, asKernel: true)
            for initrd in target.initrds { cache.facts(of: initrd, asKernel: false) }
        }
        return snapshot.files.merging(cache.facts) { _, probed in probed }
    }

    /// The probe of each network mount kreboot would unmount (read-write ones: a read-only one is left alone),
    /// before anything is stopped. Without `probe` each is listed as not probed.
    static func probeNetworkMounts(_ snapshot: SystemSnapshot, probe: (any NetworkMountProbing)?) -> [NetworkMountProbe] {
        let network = snapshot.mounts.filter { snapshot.isNetworkMount($0) && $0.target != "/" && !$0.isReadOnly }
        return network.map { mount in
            guard let probe else {
                let why = snapshot.root.isRealRoot ? "no probe" : "planning for \(snapshot.root.path)"
                return NetworkMountProbe(path: mount.target, server: mount.networkServer, outcome: .notProbed, detail: why)
            }
            return probe.probe(mount)
        }
    }

    /// kreboot's record of the capture kernel it loaded, read under `root` through the gateway; nil when none.
    static func readCrashLoadRecord(root: RootDirectory) -> KexecLoadRecord? {
        guard let bytes = (try? root.readFile(KexecStateFile.defaultPath, limit: .record)) ?? nil else { return nil }
        return (try? JSONDecoder().decode(KexecState.self, from: Data(bytes)))?.crash
    }

    /// This process' executable (/proc/self/exe), nil when it cannot be read.
    static func runningExecutable() -> String? {
        var buffer = [CChar](repeating: 0, count: 4096)
        let n = readlink("/proc/self/exe", &buffer, buffer.count - 1)
        guard n > 0 else { return nil }
        return String(decoding: buffer[0..<n].map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
}

extension SystemSnapshot {
    /// Where dumps are saved, as a local path: the kdump configuration's save directory, /var/crash without one;
    /// nil when the configuration names a non-local target (nfs://, ssh://).
    public var dumpDirectory: String? {
        guard let kdump else { return "/var/crash" }
        return kdump.localSaveDir
    }
}

extension FileFacts {
    /// Looks at one file under `root`: existence, readability, size, and for kernels the image headers.
    public static func probe(_ targetPath: String, root: RootDirectory, inspectKernel: Bool) -> FileFacts {
        guard case .success(let st) = root.status(targetPath) else { return FileFacts(path: targetPath, exists: false) }
        let regular = (st.st_mode & S_IFMT) == S_IFREG
        let readable = regular ? root.isReadable(targetPath) : root.isAccessible(targetPath, mode: R_OK)
        var facts = FileFacts(path: targetPath, exists: true, readable: readable, isRegularFile: regular, size: UInt64(max(0, st.st_size)))
        if inspectKernel && regular && readable {
            switch KernelImageInspector.inspect(root: root, path: targetPath) {
            case .success(let info): facts.image = info
            case .failure(let error): facts.imageProblem = error.message
            }
        }
        return facts
    }
}
