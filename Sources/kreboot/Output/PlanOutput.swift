import ArgumentParser
import Execution
import Kdump
import LinuxSystem
import KexecCore
import Quiesce
import RebootPlan

/// Prints a plan: JSON for machines, or a readable page for people (entry and why, kernel, initrds,
/// command line and its change, numbered steps, checks, and whether it would proceed).
struct PlanOutput {
    let json: Bool

    func emit(_ plan: RebootPlan) throws {
        if json { try JSONOutput.print(plan) } else { print(PlanText.render(plan)) }
    }
}

/// The plan as text for people.
enum PlanText {
    static func render(_ plan: RebootPlan) -> String {
        var out: [String] = []
        let mode = plan.mode == .reboot ? "fast reboot" : "kdump test"
        out.append("kreboot plan: \(mode)" + (plan.isForRunningSystem ? "" : " for \(plan.root)"))
        out.append("")
        if let t = plan.target {
            let name = t.source.title ?? t.source.id ?? t.source.kind.rawValue
            out.append(row("Entry", "\(name) [\(t.source.kind.rawValue)" + (t.source.id.map { ", id \($0)" } ?? "") + "]"))
            if let file = t.source.file { out.append(row("From", file)) }
            if let rule = t.source.rule { out.append(row("Why", rule)) }
            let about = [t.format, t.arch, t.release.map { "release \($0)" }].compactMap { $0 }.joined(separator: ", ")
            out.append(row("Kernel", t.kernel + (about.isEmpty ? "" : "  (\(about))")))
            out.append(row("Initrd", t.initrds.isEmpty ? "none" : t.initrds.joined(separator: "\n" + String(repeating: " ", count: 11))))
            out.append(row("Cmdline", t.commandLine.isEmpty ? "(empty)" : t.commandLine))
            if let path = plan.loadPath {
                out.append(row("Load", "\(path.syscall.rawValue) by \(path.loader.rawValue), signature \(path.signature.rawValue)"))
            }
            if let change = plan.commandLineChange {
                if change.added.isEmpty && change.removed.isEmpty {
                    out.append(row("", "same as the running kernel's"))
                } else {
                    if !change.added.isEmpty { out.append(row("", "+ " + change.added.joined(separator: " "))) }
                    if !change.removed.isEmpty { out.append(row("", "- " + change.removed.joined(separator: " "))) }
                }
            }
        } else {
            out.append(row("Entry", "none could be chosen"))
        }
        if let capture = plan.capture {
            out.append(row("Capture", capture.loadedBefore
                ? "armed by \(capture.armedBy) before this run: kreboot tests that one and loads none over it"
                : "kreboot loads its capture kernel (the lines above)"))
            out.append(row("Dump", "saved by \(capture.savedBy)" + (capture.layout.map { " as \($0)" } ?? ", where is unknown")))
            if let delivery = capture.delivery {
                out.append(row("Target", delivery.target.description))
                out.append(row("Network", delivery.needsNetwork ? delivery.network.summary : "none (\(delivery.network.mode == .none ? "KDUMP_NETCONFIG is empty or none" : "nothing needs it"))"))
                out.append(row("Notify", delivery.notification.description))
            }
        }
        out.append("")
        out.append("Steps:")
        for (i, step) in plan.steps.enumerated() {
            out.append("  \(String(i + 1).leftPadded(to: 2)). \(step.summary(loadPath: plan.loadPath))")
        }
        out.append("")
        out.append("Checks:")
        for check in plan.checks {
            let mark = check.status == .fail ? "FAIL" : check.status == .warn ? "warn" : "ok  "
            out.append("  \(mark) \(check.id.rawValue.rightPadded(to: 20)) \(check.message)")
        }
        out.append("")
        if let failure = plan.firstFailure {
            let status = ExitStatus.forPlan(plan)
            out.append("Would NOT proceed: \(failure.id.rawValue): \(failure.message) (exit \(status.rawValue))")
        } else {
            let verb = plan.mode == .reboot ? "reboot into \(plan.target?.release ?? plan.target?.kernel ?? "the target")" : "crash the machine into the capture kernel"
            out.append("Would proceed: `kreboot\(plan.mode == .kdumpTest ? " --test-kdump" : "")` would \(verb).")
        }
        return out.joined(separator: "\n")
    }

    private static func row(_ label: String, _ value: String) -> String {
        (label.isEmpty ? "" : label + ":").rightPadded(to: 10) + " " + value
    }
}
