import RebootPlan

/// Before `__execute` acts on a request it plans again, from a fresh snapshot and the request's options, and
/// refuses when the new plan fails a check or its steps are not the request's: the checks stored in a
/// request are never trusted, and a system that changed since the confirmation is not acted on.
public enum RunRequestRecheck {
    /// Why a request is not acted on.
    public enum Refusal: Sendable, Equatable {
        /// The request carries no options to plan again with.
        case noOptions
        /// The plan made now fails these checks.
        case failedChecks([PlanCheck])
        /// The plan made now has other steps; says which.
        case stepsDiffer(String)

        /// One line for the person.
        public var message: String {
            switch self {
            case .noOptions: "the request carries no plan options: it was not written by this kreboot"
            case .failedChecks(let checks):
                "planned again, the plan fails: " + checks.map { "\($0.id.rawValue): \($0.message)" }.joined(separator: "; ")
            case .stepsDiffer(let which): "planned again, the steps differ from the confirmed ones: \(which)"
            }
        }
    }

    /// nil when the plan made now by `replan` from the request's options passes and has the request's steps.
    public static func verify(_ request: RunRequest, replan: (PlanOptions) -> RebootPlan) -> Refusal? {
        guard let options = request.options else { return .noOptions }
        let now = replan(options)
        let failures = now.checks.filter { $0.status == .fail }
        if !now.ok || !failures.isEmpty { return .failedChecks(failures) }
        if let which = difference(confirmed: request.plan.steps, now: now.steps) { return .stepsDiffer(which) }
        return nil
    }

    /// A step as it is compared: how much of a swap area is in use changes from moment to moment, which
    /// area it is does not.
    static func comparable(_ step: PlanStep) -> PlanStep {
        guard case .swapOff(var area) = step else { return step }
        area.usedBytes = 0
        return .swapOff(area)
    }

    /// The first difference between two step lists, or nil when they are the same.
    static func difference(confirmed: [PlanStep], now: [PlanStep]) -> String? {
        for (index, (a, b)) in zip(confirmed, now).enumerated() where comparable(a) != comparable(b) {
            return "step \(index + 1) was \"\(a.summary)\", now \"\(b.summary)\""
        }
        if confirmed.count < now.count {
            return "\(now.count - confirmed.count) more step(s) now, the first \"\(now[confirmed.count].summary)\""
        }
        if confirmed.count > now.count {
            return "\(confirmed.count - now.count) step(s) fewer now, the first missing \"\(confirmed[now.count].summary)\""
        }
        return nil
    }
}
