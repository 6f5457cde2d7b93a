import FoundationEssentials
import Kdump
import KexecCore
import LinuxSystem
import RebootPlan

/// `kreboot kdump start|stop|status|reload`: keeps kreboot's capture kernel armed. Reads the snapshot once,
/// calibrates the reservation, picks the capture kernel the planner's kdump test would load (so the command
/// line is `CaptureCommandLine`'s, as for `--test-kdump` and `load --crash`), loads it through `KernelLoading`
/// and decides reloads. Prints nothing: the CLI renders what it returns.
public struct KdumpService {
    /// Why nothing was done.
    public enum Refusal: Error, Sendable {
        /// The environment, the loader or the unload refused.
        case kexec(KexecError)
        /// A check about the capture kernel failed (no entry, a missing or corrupt kernel or initrd).
        case check(PlanCheck)
        /// No crashkernel= reservation.
        case reservation(CrashReservationVerdict)

        /// One line naming the cause.
        public var message: String {
            switch self {
            case .kexec(let error): error.message
            case .check(let check): check.message
            case .reservation(let verdict): verdict.message
            }
        }
    }

    /// What `start` loaded.
    public struct Started: Sendable {
        public var record: KexecLoadRecord
        public var request: KdumpServiceRequest
        /// Remarks for stderr: the loader's notes, a reservation smaller than calibrate's, a state file problem.
        public var warnings: [String]
    }

    /// What `reload` did.
    public enum Reloaded: Sendable {
        /// Nothing changed since the recorded load.
        case upToDate(KdumpServiceRequest)
        /// Loaded again, for these reasons (empty: forced).
        case reloaded(reasons: [String], Started)
    }

    public let root: RootDirectory
    public let stateFile: KexecStateFile
    public let snapshot: SystemSnapshot
    public let recommendation: CrashkernelRecommendation
    public let verdict: CrashReservationVerdict
    /// The capture kernel the snapshot's plan picks, or the failed check that rules every kernel out: planned
    /// once, when the service is made (`request()` returns it).
    let planned: Result<KdumpServiceRequest, Refusal>
    static let options = PlanOptions(mode: .kdumpTest, policy: RunPolicy(ignoreSessions: true))

    /// The service for the system under `root` (its snapshot read now, unless given), with kreboot's state
    /// file at `stateFile`.
    public init(root: RootDirectory = RootDirectory(), stateFile: String = KexecStateFile.defaultPath,
                snapshot: SystemSnapshot? = nil) {
        self.root = root
        self.stateFile = KexecStateFile(path: stateFile)
        let snapshot = snapshot ?? SystemSnapshot.read(root: root, options: Self.options, sessions: nil)
        self.snapshot = snapshot
        let inputs = CalibrationInputsReader.read(root: snapshot.root, state: snapshot.kernel, config: snapshot.kdump, luns: nil)
        recommendation = CrashkernelCalibrator.calibrate(inputs)
        verdict = CrashReservationVerdict(reservedBytes: snapshot.kernel.crashReservedBytes,
                                          recommendedMiB: recommendation.totalMiB, parameters: recommendation.parameters)
        planned = Self.plan(snapshot)
    }

    /// The capture kernel to load, or the failed check that rules every kernel out.
    public func request() -> Result<KdumpServiceRequest, Refusal> { planned }

    /// Plans the kdump test on `snapshot` and keeps its capture kernel (or the check that failed).
    static func plan(_ snapshot: SystemSnapshot) -> Result<KdumpServiceRequest, Refusal> {
        let plan = RebootPlanner.plan(snapshot, options)
        let targetChecks: Set<CheckID> = [.bootEntry, .kernelImage, .initrd, .kdumpConfig]
        if let failure = plan.checks.first(where: { $0.status == .fail && targetChecks.contains($0.id) }) {
            return .failure(.check(failure))
        }
        guard let target = plan.target else {
            return .failure(.check(PlanCheck(.bootEntry, .fail, "no capture kernel to load")))
        }
        return .success(KdumpServiceRequest(target: target, rule: plan.capture?.commandLineRule, config: snapshot.kdump))
    }

    /// The reload decision for `request` against the recorded load (file change times from the inode ctime,
    /// which a package manager's rename sets even when it keeps the packaged mtime).
    public func decision(for request: KdumpServiceRequest) -> KdumpReloadDecision {
        var changed: [String: Date] = [:]
        for path in request.watchedFiles {
            if case .success(let st) = snapshot.root.status(path) {
                changed[path] = Date(timeIntervalSince1970: Double(st.st_ctim.tv_sec) + Double(st.st_ctim.tv_nsec) / 1e9)
            }
        }
        let recorded = KexecStatus(kernel: snapshot.kernel, recorded: stateFile.read()).crashLoaded
        return KdumpReloadDecision(desired: request.image, recorded: recorded,
                                   crashLoaded: snapshot.kernel.kexecCrashLoaded, modified: changed)
    }

    /// `start`: the environment checks, the reservation (missing refuses; too small warns), the capture
    /// kernel, the load.
    public func start() -> Result<Started, Refusal> {
        if let refused = checkEnvironment("crash load") { return .failure(refused) }
        guard verdict.canLoad else { return .failure(.reservation(verdict)) }
        var warnings: [String] = []
        if case .tooSmall = verdict { warnings.append("warning: \(verdict.message)") }
        let request: KdumpServiceRequest
        switch self.request() {
        case .failure(let refusal): return .failure(refusal)
        case .success(let wanted): request = wanted
        }
        let preflight = KexecPreflight(process: snapshot.process, kernel: snapshot.kernel,
                                       suggestedCrashkernel: recommendation.parameters)
        switch KernelLoading(stateFile: stateFile.path).load(request.image, info: snapshot.files[request.image.kernel]?.image,
                                                             crash: true, preflight: preflight) {
        case .success(let loaded):
            warnings += loaded.notes
            if let problem = loaded.stateProblem { warnings.append("warning: \(problem.message)") }
            return .success(Started(record: loaded.record, request: request, warnings: warnings))
        case .failure(.kexec(let error)): return .failure(.kexec(error))
        case .failure(.check(let check)): return .failure(.check(check))
        }
    }

    /// `stop`: unloads the capture kernel; returns whether one was loaded before (nil: unknown).
    public func stop() -> Result<Bool?, Refusal> {
        if let refused = checkEnvironment("crash unload") { return .failure(refused) }
        do {
            try KernelLoading(stateFile: stateFile.path).unload(crash: true, root: root)
        } catch {
            return .failure(.kexec(error))
        }
        return .success(snapshot.kernel.kexecCrashLoaded)
    }

    /// `reload`: stop + start when the capture kernel, its initrd, the configuration or the command line
    /// changed since the recorded load (or `force`).
    public func reload(force: Bool) -> Result<Reloaded, Refusal> {
        if let refused = checkEnvironment("crash load") { return .failure(refused) }
        let request: KdumpServiceRequest
        switch self.request() {
        case .failure(let refusal): return .failure(refusal)
        case .success(let wanted): request = wanted
        }
        let decision = decision(for: request)
        guard decision.needed || force else { return .success(.upToDate(request)) }
        if snapshot.kernel.kexecCrashLoaded == true, case .failure(let refusal) = stop() { return .failure(refusal) }
        return start().map { .reloaded(reasons: decision.reasons, $0) }
    }

    /// `status`: loaded or not, which, the reservation against calibrate, whether a reload would load again.
    public func status() -> KdumpServiceStatus {
        let request = try? self.request().get()
        return KdumpServiceStatus(kernel: snapshot.kernel, recorded: stateFile.read(), verdict: verdict,
                                  recommendedMiB: recommendation.totalMiB, request: request,
                                  decision: request.map { decision(for: $0) })
    }

    /// The environment checks of a crash load or unload (root, kexec support, lockdown); nil when they pass.
    public func checkEnvironment(_ operation: String) -> Refusal? {
        do {
            try KexecPreflight(process: snapshot.process, kernel: snapshot.kernel).checkEnvironment(operation: operation)
            return nil
        } catch {
            return .kexec(error)
        }
    }
}
