import Dispatch
import FoundationEssentials
import KexecCore
import LinuxSystem
import RebootPlan
import SystemPackage

#if canImport(Glibc)
import Glibc
#endif

/// A dump saved through a streaming transport (sftp over OpenSSH, ftp through libcurl): nothing of the dump
/// touches a local disk. Into `<target>/<YYYY-MM-DD-HH:MM:SS>/` go, each under an incomplete name and
/// renamed when whole (`DumpTransport`):
///
/// 1. `dmesg.txt` (`makedumpfile --dump-dmesg` into /run, a tmpfs, then sent);
/// 2. `vmcore.flat`: makedumpfile's flattened output (`-F`, written to a pipe and streamed as it comes;
///    `kreboot inspect` reads the flattened format, `makedumpfile -R` turns it into a normal dump), or
///    `vmcore` for KDUMP_DUMPFORMAT=raw (/proc/vmcore as it is);
/// 3. `kreboot-dump.json` last, `complete: true`: a dump directory without it was not finished.
///
/// The server's free space is not known over these protocols (said in the log; a full disk fails the upload),
/// and old dumps there are not rotated (KDUMP_KEEP_OLD_DUMPS applies to directories kreboot can list).
struct StreamedDumpSave {
    let saver: DumpSaver
    let target: DumpTarget
    let transport: any DumpTransport

    /// The local scratch file for the kernel log before it is sent.
    var dmesgScratch: String { saver.root.hostPath("/run/kreboot/dmesg.txt") }

    func save() throws(KexecError) -> DumpSaveResult {
        let invocation = try MakedumpfileInvocation(config: saver.config)
        guard DumpFiles.size(saver.vmcorePath) != nil else {
            throw KexecError(.unavailable, operation: "save-dump", path: saver.vmcorePath,
                             "\(saver.vmcorePath): not found — not running in a capture kernel?")
        }
        let stamp = saver.now()
        let name = String(ISOTimestamp.string(from: stamp).dropLast().replacing("T", with: "-"))
        try transport.prepare(directory: name)
        saver.log("saving \(saver.vmcorePath) to \(target)/\(name) (\(invocation.format.rawValue), dump level \(invocation.dumpLevel)); "
                  + "the free space there is not known over \(target.scheme.rawValue)")
        let testID = pendingTestID()
        var warnings: [String] = []
        if saver.config.keepOldDumps != nil {
            warnings.append("KDUMP_KEEP_OLD_DUMPS is not applied on \(target.scheme.rawValue) targets (kreboot cannot list them)")
        }

        let (dmesg, panic) = sendDmesg(directory: name, warnings: &warnings)
        var vmcore: String?
        if invocation.format != .none {
            let file = invocation.usesMakedumpfile ? "vmcore.flat" : "vmcore"
            let bytes = try sendVmcore(invocation, directory: name, file: file)
            saver.log("sent \(file)" + (bytes > 0 ? " (\(bytes) bytes)" : ""))
            vmcore = "\(target)/\(name)/\(file)"
        }
        let manifest = DumpManifest(savedAt: VmcoreInfo.isoDate(Int64(stamp.timeIntervalSince1970)), format: invocation.format.rawValue,
                                    dumpLevel: invocation.dumpLevel, testID: testID, complete: true, problems: warnings)
        try send(try manifest.encoded(), directory: name, file: DumpManifest.fileName)
        return DumpSaveResult(directory: "\(target)/\(name)", vmcore: vmcore, dmesg: dmesg, format: invocation.format.rawValue,
                              dumpLevel: invocation.dumpLevel, estimateBytes: nil, estimateSource: "unknown",
                              availableBeforeBytes: nil, availableAfterBytes: nil, testID: testID, rotated: [],
                              warnings: warnings, immediateReboot: saver.config.immediateReboot ?? true, panicMessage: panic)
    }

    /// The pending test's id, nil when none is pending (or the record cannot be read: logged).
    func pendingTestID() -> String? {
        do {
            guard let record = try KdumpTestRecord.read(path: saver.testRecordPath), record.state == .pending else { return nil }
            saver.log("dump answers kdump test \(record.id)")
            return record.id
        } catch {
            saver.log("ignoring the kdump test record: \(error.message)")
            return nil
        }
    }

    /// The kernel log extracted locally, then sent; a failure is a warning (the vmcore is still sent). Returns
    /// where it went and the panic line in it.
    func sendDmesg(directory: String, warnings: inout [String]) -> (String?, String?) {
        DumpFiles.remove(dmesgScratch)
        try? DumpFiles.makeDirectories(saver.root.hostPath("/run/kreboot"), operation: "save-dump")
        defer { DumpFiles.remove(dmesgScratch) }
        let result = saver.runner.runReportingSpawnFailure(MakedumpfileInvocation.dmesgArguments(
            makedumpfile: saver.makedumpfilePath, vmcore: saver.vmcorePath, output: dmesgScratch))
        let fd = open(dmesgScratch, O_RDONLY | O_CLOEXEC | O_NOFOLLOW)
        guard result.status == 0, fd >= 0 else {
            if fd >= 0 { close(fd) }
            let reason = "makedumpfile --dump-dmesg \(saver.vmcorePath) failed (exit \(result.status)): \(result.lastLine ?? "no output")"
            saver.log(reason)
            warnings.append(reason)
            return (nil, nil)
        }
        defer { close(fd) }
        let panic = RootDirectory().readText(dmesgScratch).flatMap(VmcoreInspector.panicLine(inDmesg:))
        do {
            try upload(from: fd, directory: directory, file: VmcoreInspector.dmesgFileName)
            return ("\(target)/\(directory)/\(VmcoreInspector.dmesgFileName)", panic)
        } catch {
            saver.log(error.message)
            warnings.append(error.message)
            return (nil, panic)
        }
    }

    /// The vmcore: makedumpfile -F into a pipe, streamed while it runs; raw: /proc/vmcore itself.
    func sendVmcore(_ invocation: MakedumpfileInvocation, directory: String, file: String) throws(KexecError) -> UInt64 {
        guard invocation.usesMakedumpfile else {
            let fd = open(saver.vmcorePath, O_RDONLY | O_CLOEXEC)
            guard fd >= 0 else {
                let err = Errno(rawValue: errno)
                throw KexecError(.failed, operation: "save-dump", path: saver.vmcorePath, errno: err, "\(saver.vmcorePath): \(err)")
            }
            defer { close(fd) }
            return try upload(from: fd, directory: directory, file: file)
        }
        guard let fds = Self.closeOnExecPipe() else {
            let err = Errno(rawValue: errno)
            throw KexecError(.failed, operation: "save-dump", path: saver.vmcorePath, errno: err, "pipe: \(err)")
        }
        let argv = [saver.makedumpfilePath, "-F"] + invocation.dumpOptions + [saver.vmcorePath]
        let producer = FlattenedProducer(runner: saver.runner, argv: argv, output: fds[1])
        producer.start()
        let sent: Result<UInt64, KexecError>
        do { sent = .success(try upload(from: fds[0], directory: directory, file: file)) } catch { sent = .failure(error) }
        close(fds[0])  // makedumpfile gets EPIPE if the upload stopped early
        let result = producer.wait()
        if result.status != 0 {
            throw KexecError(.failed, operation: "save-dump", path: saver.vmcorePath,
                             "makedumpfile -F \(invocation.dumpOptions.joined(separator: " ")) \(saver.vmcorePath) failed (exit \(result.status)): \(result.lastLine ?? "no output")"
                             + (sent.failureMessage.map { "; \($0)" } ?? ""))
        }
        return try sent.get()
    }

    /// `bytes` sent as one file.
    func send(_ bytes: [UInt8], directory: String, file: String) throws(KexecError) {
        guard bytes.count < 60_000, let fds = Self.closeOnExecPipe() else {
            throw KexecError(.failed, operation: "save-dump", path: file, "\(file): cannot be prepared for sending")
        }
        _ = bytes.withUnsafeBytes { write(fds[1], $0.baseAddress, $0.count) }
        close(fds[1])
        defer { close(fds[0]) }
        _ = try upload(from: fds[0], directory: directory, file: file)
    }

    /// A pipe whose ends are not inherited by children (they get an end through dup2 only).
    static func closeOnExecPipe() -> [Int32]? {
        var fds: [Int32] = [-1, -1]
        guard pipe(&fds) == 0 else { return nil }
        for fd in fds { _ = fcntl(fd, F_SETFD, FD_CLOEXEC) }
        return fds
    }

    /// One file through the transport: begin, stream, commit (abort on failure).
    @discardableResult
    func upload(from fd: Int32, directory: String, file: String) throws(KexecError) -> UInt64 {
        let upload = try transport.begin(directory: directory, name: file)
        do {
            let bytes = try upload.stream(from: fd)
            try upload.commit()
            return bytes
        } catch {
            upload.abort()
            throw error
        }
    }
}

/// makedumpfile writing its flattened output into a pipe, run on a queue of its own while the caller streams
/// the pipe's other end; closes its write end when makedumpfile exits.
final class FlattenedProducer: @unchecked Sendable {
    let runner: any SubprocessRunner
    let argv: [String]
    let output: Int32
    private let done = DispatchSemaphore(value: 0)
    private var result = SubprocessResult(status: -1)

    init(runner: any SubprocessRunner, argv: [String], output: Int32) {
        self.runner = runner
        self.argv = argv
        self.output = output
    }

    func start() {
        DispatchQueue.global().async { [self] in
            result = runner.runReportingSpawnFailure(argv, options: SubprocessOptions(descriptors: [1: output], capturesStandardOutput: false))
            close(output)
            done.signal()
        }
    }

    /// makedumpfile's exit status and messages.
    func wait() -> SubprocessResult {
        done.wait()
        return result
    }
}

extension Result where Failure == KexecError {
    /// The error's message, nil on success.
    fileprivate var failureMessage: String? {
        if case .failure(let error) = self { return error.message }
        return nil
    }
}
