import KexecCore
import LinuxSystem
#if canImport(Glibc)
import Glibc
#endif

extension SystemSnapshot {
    /// Reads everything the planner needs from the system under `root`: the only I/O of planning.
    /// Kernel images are inspected for the explicit `--kernel`, the kdump overrides and every boot entry.
    public static func read(root: RootDirectory = RootDirectory(), options: PlanOptions = PlanOptions(),
                            process: ProcessContext = .current(), sessions: [LoginSession]? = nil) -> SystemSnapshot {
        var snapshot = SystemSnapshot(root: root, process: process, sessions: sessions)
        do {
            let table = try MountTableReader.read(root: root)
            snapshot.mounts = table.entries
            snapshot.mountTableFile = table.file
        } catch {
            snapshot.mountTableProblem = error
            snapshot.mountTableFile = error.path ?? "/proc/self/mountinfo"
        }
        snapshot.commandLine = root.readLine("/proc/cmdline")
        snapshot.kernel = KernelStateReader.read(root: root, withSymbols: options.mode == .kdumpTest)
        snapshot.kexecTools = KexecToolsLoader.defaultCandidates.first { root.exists($0) }
        snapshot.machineID = root.readLine("/etc/machine-id")
        snapshot.bootLoader = BootLoaderReader.read(root: root, mounts: snapshot.mounts, machineID: snapshot.machineID)
        snapshot.kdump = KdumpConfigReader.read(root: root)
        snapshot.swaps = SwapTableReader.read(root: root)
        snapshot.memAvailableBytes = SwapTableReader.memAvailableBytes(root: root)
        if root.isDirectory(JournalLocation.persistentDirectory) { snapshot.persistentJournal = JournalLocation.persistentDirectory }

        var kernels: [String] = snapshot.bootLoader.entries.map(\.kernel)
        var initrds: [String] = snapshot.bootLoader.entries.flatMap(\.initrds)
        if let kernel = options.kernel { kernels.append(kernel) }
        initrds += options.initrds
        if let kernel = snapshot.kdump?.kernel { kernels.append(kernel) }
        if let initrd = snapshot.kdump?.initrd { initrds.append(initrd) }
        snapshot.files.reserveCapacity(snapshot.files.count + kernels.count + initrds.count)
        for path in kernels where snapshot.files[path] == nil {
            snapshot.files[path] = FileFacts.probe(path, root: root, inspectKernel: true)
        }
        for path in initrds where snapshot.files[path] == nil {
            snapshot.files[path] = FileFacts.probe(path, root: root, inspectKernel: false)
        }
        if options.mode == .kdumpTest, let dir = snapshot.dumpDirectory {
            if let free = freeBytes(root.hostPath(dir)) { snapshot.freeSpace[dir] = free }
        }
        return snapshot
    }

    /// Free bytes for unprivileged writers of the file system holding `hostPath`, or its nearest existing parent.
    static func freeBytes(_ hostPath: String) -> UInt64? {
        var path = hostPath
        while !path.isEmpty {
            var st = statvfs()
            if statvfs(path, &st) == 0 { return UInt64(st.f_bavail) * UInt64(st.f_frsize) }
            guard path != "/", let slash = path.lastIndex(of: "/") else { return nil }
            path = slash == path.startIndex ? "/" : String(path[..<slash])
        }
        return nil
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
        let readable = regular ? root.isReadable(targetPath) : access(root.hostPath(targetPath), R_OK) == 0
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
