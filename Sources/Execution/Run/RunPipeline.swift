import FoundationEssentials
import Glibc
import Kdump
import KexecCore
import LinuxSystem
import Quiesce
import RebootPlan

/// A real run of a plan: refuses a plan for another root or with failed checks, checks logind's inhibitors,
/// asks for confirmation, writes the records and the run directory, then runs the steps — in this process,
/// which moves itself (beside the kernel load) into a transient scope that survives the isolate, or in a child
/// when systemd started kreboot directly. From the confirmation on, an interrupt stops it between steps with a
/// rollback, never half-way. Prints nothing: it reports through `observer` and returns a `RunOutcome`.
public struct RunPipeline {
    public var plan: RebootPlan
    public var confirmer: any Confirming
    public var observer: any RunObserver
    public var services: any ServiceManager
    public var records: any RunRecords
    public var interrupts: any InterruptSource
    /// The parts the executor acts through, given the service manager.
    public var makeParts: (any ServiceManager) -> ExecutorParts
    /// Whether systemd is PID 1 here (/run/systemd/system exists).
    public var underSystemd: Bool
    /// Whether systemd started this process directly (a service's main process, e.g. from a timer).
    public var directChildOfSystemd: Bool
    /// Where run directories go.
    public var runDirectoryBase: String
    /// How long planning took, shown before the steps.
    public var planDuration: Duration?
    /// The options the plan was made with, stored in the request so `__execute` can plan again.
    public var options: PlanOptions?
    /// This boot's id, stored in the request so `__execute` refuses one from another boot.
    public var bootID: String?

    /// A run of `plan` on this machine, with the real parts.
    public init(plan: RebootPlan, confirmer: any Confirming, observer: any RunObserver,
                services: any ServiceManager = SystemdServiceManager(), records: any RunRecords = SystemRunRecords(),
                interrupts: any InterruptSource = ProcessInterrupts(),
                makeParts: @escaping (any ServiceManager) -> ExecutorParts = { ExecutorParts.system(services: $0) },
                underSystemd: Bool = FileManager.default.fileExists(atPath: "/run/systemd/system"),
                directChildOfSystemd: Bool = getppid() == 1, runDirectoryBase: String = RunDirectory.base,
                planDuration: Duration? = nil, options: PlanOptions? = nil,
                bootID: String? = RunDirectoryCheck.bootID()) {
        self.options = options
        self.bootID = bootID
        self.plan = plan
        self.confirmer = confirmer
        self.observer = observer
        self.services = services
        self.records = records
        self.interrupts = interrupts
        self.makeParts = makeParts
        self.underSystemd = underSystemd
        self.directChildOfSystemd = underSystemd && directChildOfSystemd
        self.runDirectoryBase = runDirectoryBase
        self.planDuration = planDuration
    }

    public func run() -> RunOutcome {
        guard plan.isForRunningSystem else { return .notRunningSystem(root: plan.root) }
        guard plan.ok else { return .refused(plan.checks.filter { $0.status == .fail }) }
        if underSystemd && !plan.policy.ignoreInhibitors, let blocking = blockingInhibitor() { return .inhibited(blocking) }
        switch confirmer.confirm(plan) {
        case .confirmed: break
        case .declined: return .declined
        case .noTerminal: return .noTerminal
        }
        // Not in a service's main process: the isolate stops that service with SIGTERM and must not wait for it.
        if !directChildOfSystemd { interrupts.install() }
        let kdumpTestID: String?
        do {
            kdumpTestID = try records.begin(plan)
        } catch {
            return .cannotPrepare("cannot write kreboot's records under /var/lib/kreboot: \(error)")
        }
        if let kdumpTestID { observer.show("kdump test \(kdumpTestID) pending (\(KdumpTestRecord.defaultPath))") }
        let request = RunRequest(plan: plan, kdumpTestID: kdumpTestID, options: options, bootID: bootID)
        if plan.policy.strategy == .systemd {
            return StepRun(request: request, directory: nil, parts: makeParts(services), observer: observer,
                           interrupts: interrupts, records: records, scope: nil).run()
        }
        let directory: RunDirectory
        do {
            directory = try RunDirectory.create(base: runDirectoryBase)
            try directory.write(request)
        } catch {
            return .cannotPrepare("cannot prepare the run under \(runDirectoryBase): \(error)")
        }
        observer.show(summary())
        if directChildOfSystemd {
            // A service's main process is signalled by the isolate's stop of that service wherever it is; a
            // child of it is not, once in its own scope.
            return .child(status: ExecutorChild(directory: directory).run())
        }
        return Self.resume(request, directory: directory, services: services, observer: observer, records: records,
                           interrupts: interrupts, parts: makeParts(services), underSystemd: underSystemd)
    }

    /// Runs a confirmed request (from `run`, or from `kreboot __execute` in the child): moves this process into
    /// its own scope beside the load when under systemd, and runs the steps.
    public static func resume(_ request: RunRequest, directory: RunDirectory?, services: any ServiceManager,
                              observer: any RunObserver, records: any RunRecords = SystemRunRecords(),
                              interrupts: any InterruptSource = ProcessInterrupts(), parts: ExecutorParts,
                              underSystemd: Bool) -> RunOutcome {
        interrupts.install()
        let name = "kreboot-run-\(directory?.id ?? String(getpid())).scope"
        let scope = underSystemd ? ScopeMove(services: services, name: name) : nil
        return StepRun(request: request, directory: directory, parts: parts, observer: observer,
                       interrupts: interrupts, records: records, scope: scope).run()
    }

    /// `plan ready in 0.14 s: kexec /boot/vmlinuz-6.1.0-13-amd64 (6.1.0-13-amd64), 6 steps`
    private func summary() -> String {
        let took = planDuration.map { "plan ready in \(ProgressLog.seconds($0))" } ?? "plan ready"
        let what = plan.mode == .reboot ? "kexec" : "capture kernel"
        let kernel = plan.target?.kernel ?? "?"
        return "\(took): \(what) \(kernel) (\(plan.target?.release ?? "release unknown")), \(plan.steps.count) steps"
    }

    private func blockingInhibitor() -> String? {
        guard let inhibitors = try? services.inhibitors() else { return nil }
        return inhibitors.first { $0.blocksShutdown }.map { "\($0.who) (\($0.why))" }
    }
}
