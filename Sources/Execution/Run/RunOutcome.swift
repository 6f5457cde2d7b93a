import RebootPlan

/// How a real run ended, when it returned at all (a successful exec or panic does not). The CLI maps each to
/// an exit status and a message; nothing here prints.
public enum RunOutcome: Sendable {
    /// Done: systemd has the kexec job (`--via systemd`), or a fake exec returned.
    case done
    /// The plan was made for another root (`--root`): planning only.
    case notRunningSystem(root: String)
    /// The plan has failed checks; nothing was done.
    case refused([PlanCheck])
    /// A logind inhibitor blocks shutdown (who, why) and `--ignore-inhibitors` was not given.
    case inhibited(String)
    /// The person said no.
    case declined
    /// No terminal to confirm on, and no `--yes`.
    case noTerminal
    /// kreboot's records or run directory could not be written; nothing was done.
    case cannotPrepare(String)
    /// A step failed; what was done was rolled back (see the error).
    case failed(RunError)
    /// The executor child (for a kreboot started directly by systemd) ended with this exit status.
    case child(status: Int32)
}
