import ArgumentParser
import Execution
import FoundationEssentials
import Kdump
import KexecCore
import LinuxSystem
import RebootPlan
#if canImport(Glibc)
import Glibc
#endif

/// The reading the `kreboot kdump` commands share: the snapshot, the capture kernel to load, the
/// reservation against calibrate's recommendation, and what kreboot recorded loading. Errors are printed
/// here and come back as the exit status.
struct KdumpServiceSession {
    let root: RootDirectory
    let stateFile: KexecStateFile
    let snapshot: SystemSnapshot
    let options: PlanOptions
    let recommendation: CrashkernelRecommendation
    let verdict: CrashReservationVerdict

    init(root: RootDirectory, stateFile: String) {
        self.root = root
        self.stateFile = KexecStateFile(path: stateFile)
        options = PlanOptions(mode: .kdumpTest, policy: RunPolicy(ignoreSessions: true))
        snapshot = SystemSnapshot.read(root: root, options: options, sessions: nil)
        let inputs = CalibrationInputsReader.read(root: root, state: snapshot.kernel, config: snapshot.kdump, luns: nil)
        recommendation = CrashkernelCalibrator.calibrate(inputs)
        verdict = CrashReservationVerdict(reservedBytes: snapshot.kernel.crashReservedBytes,
                                          recommendedMiB: recommendation.totalMiB, parameters: recommendation.parameters)
    }

    /// The binary the capture boot runs as init: this one (/proc/self/exe), else /usr/sbin/kreboot.
    static var krebootPath: String {
        var buffer = [CChar](repeating: 0, count: 4096)
        let n = readlink("/proc/self/exe", &buffer, buffer.count - 1)
        guard n > 0 else { return "/usr/sbin/kreboot" }
        return String(decoding: buffer[0..<n].map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    /// The capture kernel to load, or the exit status of the check that rules every kernel out.
    enum Requested {
        case success(KdumpServiceRequest)
        case failure(ExitStatus)
    }

    /// The capture kernel to load, or the exit status of the check that rules every kernel out.
    func request() -> Requested {
        let plan = RebootPlanner.plan(snapshot, options)
        let targetChecks: Set<CheckID> = [.bootEntry, .kernelImage, .initrd]
        if let failure = plan.checks.first(where: { $0.status == .fail && targetChecks.contains($0.id) }) {
            Terminal.error(failure.message)
            return .failure(ExitStatus.forCheck(failure.id))
        }
        guard let target = plan.target else {
            Terminal.error("no capture kernel to load")
            return .failure(ExitStatus.badData)
        }
        return .success(KdumpServiceRequest(target: target, snapshot: snapshot, kreboot: Self.krebootPath))
    }

    /// The reload decision for `request` against the recorded load (file change times from the inode ctime,
    /// which a package manager's rename sets even when it keeps the packaged mtime).
    func decision(for request: KdumpServiceRequest) -> KdumpReloadDecision {
        var changed: [String: Date] = [:]
        for path in request.watchedFiles {
            if case .success(let st) = root.status(path) {
                changed[path] = Date(timeIntervalSince1970: Double(st.st_ctim.tv_sec) + Double(st.st_ctim.tv_nsec) / 1e9)
            }
        }
        let recorded = KexecStatus(kernel: snapshot.kernel, recorded: stateFile.read()).crashLoaded
        return KdumpReloadDecision(desired: request.image, recorded: recorded,
                                   crashLoaded: snapshot.kernel.kexecCrashLoaded, modified: changed)
    }

    /// Loads `request` into the reservation (preflight first) and prints what was loaded.
    func load(_ request: KdumpServiceRequest, json: Bool) -> ExitStatus {
        let preflight = KexecPreflight(process: snapshot.process, kernel: snapshot.kernel,
                                       suggestedCrashkernel: recommendation.parameters)
        let loading = KernelLoading(stateFile: stateFile.path)
        let record: KexecLoadRecord
        switch loading.load(request.image, info: snapshot.files[request.image.kernel]?.image, crash: true, preflight: preflight) {
        case .success(let loaded):
            for note in loaded.notes { Terminal.error(note) }
            if let problem = loaded.stateProblem { Terminal.error("warning: \(problem.message)") }
            record = loaded.record
        case .failure(.kexec(let error)):
            Terminal.error(error.message)
            return ExitStatus.forKexec(error)
        case .failure(.check(let check)):
            Terminal.error(check.message)
            return ExitStatus.forCheck(check.id)
        }
        if json {
            try? JSONOutput.print(record)
        } else {
            print("loaded capture kernel \(record.kernel)" + (record.release.map { " (\($0))" } ?? "") + " via \(record.method.rawValue)")
            for initrd in record.initrds { print("  initrd   \(initrd)") }
            print("  cmdline  \(record.commandLine)")
            print("  built    \(request.commandLine.explanation)")
        }
        return .ok
    }

    /// Unloads the capture kernel.
    func unload() -> ExitStatus {
        do {
            try KernelLoading(stateFile: stateFile.path).unload(crash: true, root: root)
        } catch {
            Terminal.error(error.message)
            return ExitStatus.forKexec(error)
        }
        return .ok
    }

    /// The environment checks of a crash load or unload (root, kexec support, lockdown); nil when they pass.
    func checkEnvironment(_ operation: String) -> ExitStatus? {
        do {
            try KexecPreflight(process: snapshot.process, kernel: snapshot.kernel).checkEnvironment(operation: operation)
            return nil
        } catch {
            Terminal.error(error.message)
            return ExitStatus.forKexec(error)
        }
    }
}
