import Dispatch
import KexecCore
import FoundationEssentials
import LinuxSystem
import RebootPlan
import SystemPackage

#if canImport(Glibc)
import Glibc
#endif

/// A save to a server that has no mount (sftp, ftp), streamed so no local disk is needed:
///
/// 1. The target directory is made; old kreboot dumps there beyond KDUMP_KEEP_OLD_DUMPS are removed (only
///    directories holding `kreboot-dump.json`, by their date-time names). The server's free space is not
///    asked (ssh cannot tell it portably): the console says so.
/// 2. DIR/<date-time>/ gets `kreboot-dump.json` (not complete), the test record's copy, `dmesg.txt`
///    (`makedumpfile --dump-dmesg` into a scratch directory under /tmp, then sent), and `vmcore`:
///    makedumpfile's flattened output (`-F`, its stdout through a pipe straight into ssh's stdin; a `raw`
///    dump is /proc/vmcore itself), stored flattened — `kreboot inspect` reads it, `makedumpfile -R`
///    reassembles it. Each file is written as `NAME.incomplete` and renamed when whole (`DumpUpload`).
/// 3. Last, the manifest again, complete: a dump is marked complete only when fully transferred.
struct StreamedDumpSave {
    let saver: DumpSaver
    let transport: any StreamingDumpTransport

    func save() throws(KexecError) -> DumpSaveResult {
        let config = saver.config
        let invocation = try MakedumpfileInvocation(config: config)
        guard DumpFiles.size(saver.vmcorePath) != nil else {
            throw KexecError(.unavailable, operation: "save-dump", path: saver.vmcorePath,
                             "\(saver.vmcorePath): not found — not running in a capture kernel?")
        }
        let target = transport.target
        try transport.prepare(directory: "")
        let keep = config.keepOldDumps ?? DumpRotation.defaultKeep
        var rotated: [String] = []
        if let dumps = try transport.krebootDumps() {
            for name in DumpRotation.toDelete(oldestFirst: dumps, keep: keep) {
                try transport.removeDump(name)
                rotated.append(name)
                saver.log("deleted old dump \(target)/\(name) (KDUMP_KEEP_OLD_DUMPS=\(keep))")
            }
        } else {
            saver.log("\(target): old dumps are not rotated over \(target.scheme.rawValue) (KDUMP_KEEP_OLD_DUMPS)")
        }
        saver.log("\(target): the server's free space is not checked over \(target.scheme.rawValue)")

        let stamp = saver.now()
        let name = String(ISOTimestamp.string(from: stamp).dropLast().replacing("T", with: "-"))
        try transport.prepare(directory: name)
        let scratch = try scratchDirectory()
        defer { _ = try? removeScratch(scratch) }

        let testID = saver.pendingTestID(copyInto: scratch)
        var manifest = DumpManifest(savedAt: VmcoreInfo.isoDate(Int64(stamp.timeIntervalSince1970)),
                                    format: invocation.format.rawValue, dumpLevel: invocation.dumpLevel, testID: testID)
        try manifest.write(directory: scratch)
        try send(scratch + "/" + DumpManifest.fileName, as: DumpManifest.fileName, into: name)
        if testID != nil { try send(scratch + "/" + KdumpTestRecord.dumpCopyName, as: KdumpTestRecord.dumpCopyName, into: name) }
        saver.log("saving \(saver.vmcorePath) to \(target)/\(name) (\(invocation.format.rawValue) flattened, dump level \(invocation.dumpLevel))")

        var warnings: [String] = []
        var dmesg: String?
        if let local = saver.saveDmesg(into: scratch, warnings: &warnings) {
            try send(local, as: VmcoreInspector.dmesgFileName, into: name)
            dmesg = remote(name, VmcoreInspector.dmesgFileName)
        }
        var vmcore: String?
        var sent: UInt64 = 0
        if invocation.format != .none {
            do throws(KexecError) {
                let streamed = try streamVmcore(invocation, into: name)
                sent = streamed.bytes
                warnings += streamed.warnings
            } catch {
                manifest.problems = warnings + [error.message]
                try? manifest.write(directory: scratch)
                try? send(scratch + "/" + DumpManifest.fileName, as: DumpManifest.fileName, into: name)
                throw error
            }
            vmcore = remote(name, "vmcore")
        }
        manifest.complete = true
        manifest.problems = warnings
        try manifest.write(directory: scratch)
        try send(scratch + "/" + DumpManifest.fileName, as: DumpManifest.fileName, into: name)
        if sent > 0 { saver.log("sent \(sent >> 20) MiB to \(target)/\(name)") }
        return DumpSaveResult(directory: remote(name, nil), vmcore: vmcore, dmesg: dmesg, format: invocation.format.rawValue,
                              dumpLevel: invocation.dumpLevel, estimateBytes: nil, estimateSource: "unknown",
                              availableBeforeBytes: nil, availableAfterBytes: nil, testID: testID, rotated: rotated,
                              warnings: warnings, immediateReboot: config.immediateReboot ?? true)
    }

    /// The remote path of `file` in dump directory `name` (the directory itself for nil).
    func remote(_ name: String, _ file: String?) -> String {
        transport.remotePath(name, file)
    }

    /// Sends a local file as `file` into dump directory `directory`.
    func send(_ local: String, as file: String, into directory: String) throws(KexecError) {
        let fd = open(local, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else {
            let err = Errno(rawValue: errno)
            throw KexecError(.failed, operation: "save-dump", path: local, errno: err, "\(local): cannot open: \(err)")
        }
        defer { close(fd) }
        let upload = try transport.begin(directory: directory, name: file)
        do throws(KexecError) {
            _ = try upload.stream(from: fd)
            try upload.commit()
        } catch {
            upload.abort()
            throw error
        }
    }

    /// Holds what the producer thread returns.
    final class ProducerResult: @unchecked Sendable {
        var result = SubprocessResult(status: 0)
    }

    /// Streams the vmcore into `directory/vmcore`: makedumpfile -F's stdout through a pipe into the upload
    /// (the producer runs on another thread), or /proc/vmcore itself for `raw`. Returns the bytes produced (0
    /// when makedumpfile produced them) and what makedumpfile warned of.
    func streamVmcore(_ invocation: MakedumpfileInvocation, into directory: String) throws(KexecError)
        -> (bytes: UInt64, warnings: [String]) {
        let upload = try transport.begin(directory: directory, name: "vmcore")
        guard let argv = invocation.flattenedArguments(makedumpfile: saver.makedumpfilePath, vmcore: saver.vmcorePath) else {
            let fd = open(saver.vmcorePath, O_RDONLY | O_CLOEXEC)
            guard fd >= 0 else {
                let err = Errno(rawValue: errno)
                throw KexecError(.failed, operation: "save-dump", path: saver.vmcorePath, errno: err, "\(saver.vmcorePath): cannot open: \(err)")
            }
            defer { close(fd) }
            do throws(KexecError) {
                _ = try upload.stream(from: fd)
                try upload.commit()
            } catch {
                upload.abort()
                throw error
            }
            return (DumpFiles.size(saver.vmcorePath) ?? 0, [])
        }
        var fds: [Int32] = [-1, -1]
        guard pipe(&fds) == 0 else {
            let err = Errno(rawValue: errno)
            throw KexecError(.failed, operation: "save-dump", path: saver.vmcorePath, errno: err, "pipe: \(err)")
        }
        for fd in fds { _ = fcntl(fd, F_SETFD, FD_CLOEXEC) }
        let (reader, writer) = (fds[0], fds[1])
        let produced = ProducerResult()
        let group = DispatchGroup()
        let runner = saver.runner
        DispatchQueue.global().async(group: group) {
            // makedumpfile's stdout is the pipe; its messages (stderr) are captured and echoed to the console.
            produced.result = runner.runReportingSpawnFailure(argv, options: SubprocessOptions(descriptors: [1: writer], echo: true))
            close(writer)
        }
        var streamError: KexecError?
        do { _ = try upload.stream(from: reader) } catch { streamError = error }
        close(reader)
        group.wait()
        let result = produced.result
        if let streamError {
            upload.abort()
            throw streamError
        }
        guard result.status == 0 else {
            upload.abort()
            throw KexecError(.failed, operation: "save-dump", path: saver.vmcorePath,
                             "makedumpfile -F \(invocation.dumpOptions.joined(separator: " ")) \(saver.vmcorePath) failed (exit \(result.status)): \(result.lastLine ?? "no output"); nothing left under the final name on \(transport.target)")
        }
        try upload.commit()
        return (0, MakedumpfileInvocation.warnings(inOutput: result.output))
    }

    /// A private scratch directory under /tmp for the manifest and the dmesg before they are sent.
    func scratchDirectory() throws(KexecError) -> String {
        let path = "/tmp/kreboot-dump-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        guard mkdir(path, 0o700) == 0 else {
            let err = Errno(rawValue: errno)
            throw KexecError(.failed, operation: "save-dump", path: path, errno: err, "\(path): cannot create: \(err)")
        }
        return path
    }

    /// Removes the scratch directory's files and itself.
    func removeScratch(_ path: String) throws(KexecError) {
        for name in RootDirectory().listDirectory(path) { _ = unlink(path + "/" + name) }
        _ = rmdir(path)
    }
}
