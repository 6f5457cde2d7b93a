import RebootPlan

/// What the person asked answered, or why nobody was asked.
public enum ConfirmationAnswer: Sendable, Equatable {
    case confirmed
    case declined
    /// No terminal to ask on and no `--yes`.
    case noTerminal
}

/// Asks before anything destructive happens. The CLI asks on the terminal (y/N, or the host name for a kdump
/// test); `--yes` answers for scripts.
public protocol Confirming {
    func confirm(_ plan: RebootPlan) -> ConfirmationAnswer
}
