import KexecCore
import FoundationEssentials
import LinuxSystem
import RebootPlan
import SystemPackage

#if canImport(Glibc)
import Glibc
#endif

/// The capture kernel's side of kdump: saves /proc/vmcore as the kdump configuration says.
///
/// 1. The target (`DumpDelivery`): a local directory (`/path`, `file:///path`) is written as it is; an NFS or
///    CIFS one is mounted first (`MountedDumpTransport`, unmounted at the end) and written the same way on
///    the server's file system; sftp and ftp are streamed instead (`StreamedDumpSave`: makedumpfile -F into
///    ssh or libcurl's ftp upload, no local disk); a malformed target is refused (69).
/// 2. Old kreboot dumps beyond KDUMP_KEEP_OLD_DUMPS are deleted (`DumpRotation`).
/// 3. Before: the estimate (`makedumpfile --mem-usage`, where it works; the vmcore's size for `raw`)
///    plus KDUMP_FREE_DISK_SIZE must fit in the free space (69 otherwise).
/// 4. SAVEDIR/<date-time>/ gets `kreboot-dump.json` (the marker), `dmesg.txt`
///    (`makedumpfile --dump-dmesg`) and `vmcore`, each written as `NAME.incomplete`/`vmcore-incomplete`,
///    fsynced and renamed, so a half-written file never has the final name.
/// 5. After: if less than KDUMP_FREE_DISK_SIZE stays free, the vmcore is deleted again (as SUSE's kdump
///    does); dmesg.txt stays.
/// 6. The id of a pending `--test-kdump` record is written into the manifest, and the record copied.
public struct DumpSaver {
    public var vmcorePath: String
    public var config: KdumpConfig
    /// The save directory as a path on this machine is `root.hostPath(localSaveDir)`.
    public var root: RootDirectory
    public var makedumpfilePath: String
    public var testRecordPath: String
    public var runner: any SubprocessRunner
    /// Free bytes of a path; injectable so tests can simulate a full disk.
    public var availableBytes: @Sendable (String) -> UInt64?
    public var now: @Sendable () -> Date
    /// Progress lines (stderr).
    public var log: @Sendable (String) -> Void
    /// Mounts NFS and CIFS targets (tests: a fake that mounts nothing).
    public var mounter: any DumpMounter
    /// Where an NFS or CIFS target is mounted (a path of the system under `root`).
    public var mountPoint: String

    /// A saver for the capture kernel; every path, the runner, the free-space probe and the clock are
    /// injectable so tests run the whole flow in a temporary directory with a fake makedumpfile.
    public init(vmcorePath: String = "/proc/vmcore", config: KdumpConfig, root: RootDirectory = RootDirectory(),
                makedumpfilePath: String = "/usr/bin/makedumpfile", testRecordPath: String = KdumpTestRecord.defaultPath,
                runner: any SubprocessRunner = SpawnSubprocessRunner(),
                availableBytes: @escaping @Sendable (String) -> UInt64? = DiskSpace.availableBytes,
                now: @escaping @Sendable () -> Date = { Date() }, log: @escaping @Sendable (String) -> Void = { _ in },
                mounter: any DumpMounter = SystemDumpMounter(), mountPoint: String = "/run/kreboot/dump-target") {
        self.mounter = mounter
        self.mountPoint = mountPoint
        self.vmcorePath = vmcorePath
        self.config = config
        self.root = root
        self.makedumpfilePath = makedumpfilePath
        self.testRecordPath = testRecordPath
        self.runner = runner
        self.availableBytes = availableBytes
        self.now = now
        self.log = log
    }

    /// The dump target of the configuration; a malformed one is `.unavailable` with its one-line reason.
    public func target() throws(KexecError) -> DumpTarget {
        do { return try DumpDelivery.read(config).target } catch {
            throw KexecError(.unavailable, operation: "save-dump", path: config.file, error.message)
        }
    }

    /// The NFS or CIFS transport of `target` (mounting at `mountPoint` under `root`); nil for the others.
    func mountedTransport(_ target: DumpTarget) -> MountedDumpTransport? {
        guard target.scheme == .nfs || target.scheme == .cifs else { return nil }
        return MountedDumpTransport(target: target, mountPoint: root.hostPath(mountPoint), mounter: mounter)
    }

    /// The save directory on this machine (for NFS and CIFS: in the mounted file system); `.unavailable`
    /// for sftp and ftp, which have none here (`save()` streams to them).
    public func saveDirectory() throws(KexecError) -> String {
        let target = try target()
        if let local = target.localDirectory { return root.hostPath(local) }
        if let mounted = mountedTransport(target) { return mounted.localDirectory }
        throw KexecError(.unavailable, operation: "save-dump", path: config.file,
                         "\(target): \(target.scheme.rawValue) targets have no local save directory: the dump is streamed to them")
    }

    /// Saves the dump; see the type's description for the steps.
    public func save() throws(KexecError) -> DumpSaveResult {
        let target = try target()
        if target.scheme == .sftp {
            return try StreamedDumpSave(saver: self, transport: SftpDumpTransport(target: target, runner: runner)).save()
        }
        if target.scheme == .ftp {
            return try StreamedDumpSave(saver: self, transport: FtpDumpTransport(target: target)).save()
        }
        let mounted = mountedTransport(target)
        if let mounted {
            try mounted.prepare(directory: "")
            log("mounted \(mounted.summary)")
        }
        defer { mounted?.finish() }
        let saveDir = try saveDirectory()
        let invocation = try MakedumpfileInvocation(config: config)
        guard let vmcoreSize = DumpFiles.size(vmcorePath) else {
            throw KexecError(.unavailable, operation: "save-dump", path: vmcorePath,
                             "\(vmcorePath): not found — not running in a capture kernel?")
        }
        let required = config.freeDiskSizeMiB ?? DiskSpace.defaultFreeMiB
        try DumpFiles.makeDirectories(saveDir, operation: "save-dump")

        let rotated = DumpRotation.rotate(saveDir: saveDir, keep: config.keepOldDumps ?? DumpRotation.defaultKeep)
        for name in rotated { log("deleted old dump \(saveDir)/\(name) (KDUMP_KEEP_OLD_DUMPS=\(config.keepOldDumps ?? DumpRotation.defaultKeep))") }

        let (estimate, source) = estimateBytes(invocation: invocation, vmcoreSize: vmcoreSize)
        let before = availableBytes(saveDir)
        if let before, !DiskSpace.leavesEnough(availableBytes: before, estimateBytes: estimate ?? 0, requiredFreeMiB: required) {
            throw KexecError(.unavailable, operation: "save-dump", path: saveDir,
                             "\(saveDir): \(before >> 20) MiB free; the dump needs about \((estimate ?? 0) >> 20) MiB (\(source)) and KDUMP_FREE_DISK_SIZE=\(required) MiB must stay free")
        }

        let stamp = now()
        let dir = try newDumpDirectory(in: saveDir, at: stamp)
        let testID = pendingTestID(copyInto: dir)
        var manifest = DumpManifest(savedAt: VmcoreInfo.isoDate(Int64(stamp.timeIntervalSince1970)),
                                    format: invocation.format.rawValue, dumpLevel: invocation.dumpLevel, testID: testID)
        try manifest.write(directory: dir)
        log("saving \(vmcorePath) to \(dir) (\(invocation.format.rawValue), dump level \(invocation.dumpLevel))")

        var warnings: [String] = []
        let dmesg = saveDmesg(into: dir, warnings: &warnings)

        var vmcore: String?
        if invocation.format != .none {
            let final = dir + "/vmcore"
            let partial = dir + "/vmcore-incomplete"
            do throws(KexecError) {
                warnings += try writeVmcore(invocation, to: partial)
                try DumpFiles.commit(partial, as: final, operation: "save-dump")
            } catch {
                manifest.problems = warnings + [error.message]
                try? manifest.write(directory: dir)
                throw error
            }
            vmcore = final
        }

        let after = availableBytes(saveDir)
        if let after, !DiskSpace.leavesEnough(availableBytes: after, estimateBytes: 0, requiredFreeMiB: required), let written = vmcore {
            DumpFiles.remove(written)
            manifest.problems = warnings + ["vmcore deleted: only \(after >> 20) MiB left free, KDUMP_FREE_DISK_SIZE=\(required)"]
            try? manifest.write(directory: dir)
            throw KexecError(.unavailable, operation: "save-dump", path: written,
                             "\(written): deleted again: only \(after >> 20) MiB left free on \(saveDir), KDUMP_FREE_DISK_SIZE=\(required) MiB")
        }
        manifest.complete = true
        manifest.problems = warnings
        try manifest.write(directory: dir)
        DumpFiles.syncDirectory(of: dir)
        return DumpSaveResult(directory: dir, vmcore: vmcore, dmesg: dmesg, format: invocation.format.rawValue,
                              dumpLevel: invocation.dumpLevel, estimateBytes: estimate, estimateSource: source,
                              availableBeforeBytes: before, availableAfterBytes: after, testID: testID, rotated: rotated,
                              warnings: warnings, immediateReboot: config.immediateReboot ?? true,
                              vmcoreBytes: vmcore.flatMap(DumpFiles.size))
    }

    /// The dump's expected size: `--mem-usage` for makedumpfile formats (nil when it does not work
    /// here — in a capture kernel it usually does not), the vmcore's size for `raw`, 0 for `none`.
    func estimateBytes(invocation: MakedumpfileInvocation, vmcoreSize: UInt64) -> (UInt64?, String) {
        switch invocation.format {
        case .none: return (0, "none")
        case .raw: return (vmcoreSize, "vmcore-size")
        default:
            let result = runner.runReportingSpawnFailure(MakedumpfileInvocation.memUsageArguments(makedumpfile: makedumpfilePath, vmcore: vmcorePath))
            if result.status == 0, let usage = MemUsageEstimate(output: result.output) {
                return (usage.bytes(dumpLevel: invocation.dumpLevel), "mem-usage")
            }
            let why = result.output.contains(MakedumpfileInvocation.unsupportedKernelLine)
                ? MakedumpfileInvocation.unsupportedKernelLine : result.lastLine ?? "exit \(result.status)"
            log("no size estimate: makedumpfile --mem-usage: \(why)")
            return (nil, "unknown")
        }
    }

    /// SAVEDIR/<YYYY-MM-DD-HH:MM:SS> (UTC), with `-N` appended when it exists already.
    func newDumpDirectory(in saveDir: String, at date: Date) throws(KexecError) -> String {
        // 2026-11-26T15:03:46Z → 2026-11-26-15:03:46
        let stamp = ISOTimestamp.string(from: date).dropLast().replacing("T", with: "-")
        let base = saveDir + "/" + stamp
        let parent = try DumpFiles.openDirectory(saveDir, operation: "save-dump")
        defer { close(parent) }
        for attempt in 0..<100 {
            let dir = attempt == 0 ? base : "\(base)-\(attempt)"
            if mkdirat(parent, DumpFiles.name(of: dir), 0o700) == 0 { return dir }
            if errno != EEXIST {
                let err = Errno(rawValue: errno)
                throw KexecError(.failed, operation: "save-dump", path: dir, errno: err, "\(dir): cannot create: \(err)")
            }
        }
        throw KexecError(.failed, operation: "save-dump", path: base, "\(base): 100 dump directories with this time exist")
    }

    /// The pending test's id (and a copy of its record in `dir`); nil when no test is pending.
    func pendingTestID(copyInto dir: String) -> String? {
        let record: KdumpTestRecord?
        do { record = try KdumpTestRecord.read(path: testRecordPath) } catch {
            log("ignoring the kdump test record: \(error.message)")
            return nil
        }
        guard let record, record.state == .pending else { return nil }
        try? record.write(path: dir + "/" + KdumpTestRecord.dumpCopyName)
        log("dump answers kdump test \(record.id)")
        return record.id
    }

    /// `makedumpfile --dump-dmesg` into dmesg.txt; a failure is a warning, the vmcore is still saved.
    func saveDmesg(into dir: String, warnings: inout [String]) -> String? {
        let final = dir + "/" + VmcoreInspector.dmesgFileName
        let partial = final + ".incomplete"
        let result = runner.runReportingSpawnFailure(MakedumpfileInvocation.dmesgArguments(makedumpfile: makedumpfilePath,
                                                                                          vmcore: vmcorePath, output: partial))
        guard result.status == 0, DumpFiles.size(partial) != nil else {
            DumpFiles.remove(partial)
            let reason = "makedumpfile --dump-dmesg \(vmcorePath) failed (exit \(result.status)): \(result.lastLine ?? "no output")"
            log(reason)
            warnings.append(reason)
            return nil
        }
        do { try DumpFiles.commit(partial, as: final, operation: "save-dump") } catch {
            warnings.append(error.message)
            return nil
        }
        return final
    }

    /// Writes the vmcore to `partial`: makedumpfile, or a sparse copy for `raw`.
    func writeVmcore(_ invocation: MakedumpfileInvocation, to partial: String) throws(KexecError) -> [String] {
        guard let argv = invocation.dumpArguments(makedumpfile: makedumpfilePath, vmcore: vmcorePath, output: partial) else {
            try SparseCopy.copy(from: vmcorePath, to: partial)
            return []
        }
        let result = runner.runReportingSpawnFailure(argv, options: SubprocessOptions(echo: true))
        guard result.status == 0 else {
            throw KexecError(.failed, operation: "save-dump", path: vmcorePath,
                             "makedumpfile \(invocation.dumpOptions.joined(separator: " ")) \(vmcorePath) failed (exit \(result.status)): \(result.lastLine ?? "no output"); partial dump left as \(partial)")
        }
        guard DumpFiles.size(partial) != nil else {
            throw KexecError(.failed, operation: "save-dump", path: partial, "makedumpfile exited 0 but wrote no \(partial)")
        }
        return MakedumpfileInvocation.warnings(inOutput: result.output)
    }
}
