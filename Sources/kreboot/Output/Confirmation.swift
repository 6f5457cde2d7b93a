#if canImport(Glibc)
import Glibc
#endif
import Execution
import Kdump
import LinuxSystem
import KexecCore
import Quiesce
import RebootPlan

/// Asks the person at the terminal before anything destructive happens.
/// Without a terminal and without `--yes` it refuses: a script must say `--yes`.
struct Confirmation: Confirming {
    let assumeYes: Bool
    let isTerminal: Bool
    let readLine: () -> String?

    init(assumeYes: Bool, isTerminal: Bool = Terminal.stdinIsTerminal, readLine: @escaping () -> String? = { Swift.readLine() }) {
        self.assumeYes = assumeYes
        self.isTerminal = isTerminal
        self.readLine = readLine
    }

    /// For a reboot: shows the target (release, entry) and asks y/N.
    /// For a kdump test: the machine will panic, so the host name must be typed.
    func ask(for plan: RebootPlan, hostName: String) -> ConfirmationAnswer {
        if assumeYes { return .confirmed }
        guard isTerminal else { return .noTerminal }
        let target = plan.target
        let release = target?.release ?? target?.kernel ?? "?"
        let entry = target?.source.title ?? target?.source.id ?? target?.source.kind.rawValue ?? "?"
        switch plan.mode {
        case .reboot:
            Terminal.writeStderr("Reboot \(hostName) now into \(release) (\(entry))? Services stop and file systems are unmounted. [y/N] ")
            let answer = (readLine() ?? "").trimmingWhitespace().lowercased()
            return answer == "y" || answer == "yes" ? .confirmed : .declined
        case .kdumpTest:
            Terminal.writeStderr("""
            This CRASHES \(hostName) on purpose: the capture kernel \(release) saves a dump, then the machine reboots.
            Type the host name (\(hostName)) to go on: 
            """)
            return (readLine() ?? "").trimmingWhitespace() == hostName ? .confirmed : .declined
        }
    }

    /// Asks `question` y/N (for changes that are not a run, e.g. `calibrate --apply`).
    func askYesNo(_ question: String) -> ConfirmationAnswer {
        if assumeYes { return .confirmed }
        guard isTerminal else { return .noTerminal }
        Terminal.writeStderr(question)
        let answer = (readLine() ?? "").trimmingWhitespace().lowercased()
        return answer == "y" || answer == "yes" ? .confirmed : .declined
    }

    /// Asks about `plan`, naming this machine.
    func confirm(_ plan: RebootPlan) -> ConfirmationAnswer {
        ask(for: plan, hostName: Self.hostName())
    }

    /// This machine's host name (gethostname(2)).
    static func hostName() -> String {
        var buffer = [CChar](repeating: 0, count: 256)
        guard gethostname(&buffer, buffer.count - 1) == 0 else { return "this machine" }
        return String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
}
