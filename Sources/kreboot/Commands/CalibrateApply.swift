import ArgumentParser
import Execution
import Kdump
import LinuxSystem

/// `kreboot calibrate --apply [--dry-run] [--yes] [--remove]`: plans the boot loader change
/// (`CrashkernelApplyPlan`), shows it as a diff, asks, and applies it (`CrashkernelApplier`).
struct CalibrateApply {
    let root: RootDirectory
    let parameters: String
    let remove: Bool
    let dryRun: Bool
    let confirmation: Confirmation
    let json: Bool

    /// The JSON form.
    struct Report: Encodable {
        struct Edit: Encodable {
            let path: String
            let before: String?
            let after: String?
        }
        let kind: String
        let parameters: String
        let remove: Bool
        let edits: [Edit]
        let generator: [String]?
        let existing: [String]
        let notes: [String]
        let applied: Bool
        let done: [String]
    }

    func run() -> ExitStatus {
        let plan: CrashkernelApplyPlan
        switch CrashkernelApplyPlan.plan(BootLoaderFiles.read(root: root), parameters: parameters, remove: remove) {
        case .failure(.noBootLoader(let message)):
            Terminal.error(message)
            return .unavailable
        case .failure(.nothingToDo(let message)):
            if json { try? JSONOutput.print(["nothingToDo": message]) } else { print(message) }
            return .ok
        case .success(let planned):
            plan = planned
        }
        if !json { show(plan) }
        guard !plan.changesNothing, !dryRun else {
            if json { emit(plan, applied: false, done: []) } else if !plan.changesNothing { print("dry run: nothing was changed") }
            return .ok
        }
        switch confirmation.askYesNo("\(remove ? "Remove" : "Apply") these changes? [y/N] ") {
        case .confirmed: break
        case .declined:
            Terminal.error("not applied")
            return .ok
        case .noTerminal:
            Terminal.error("no terminal to confirm on: use --yes (or --dry-run to see the change)")
            return .usage
        }
        let result: CrashkernelApplier.Result
        do {
            result = try CrashkernelApplier(root: root).apply(plan)
        } catch {
            Terminal.error(error.message)
            return ExitStatus.forPlanError(error)
        }
        if json { emit(plan, applied: true, done: result.done) } else {
            for line in result.done { print(line) }
        }
        if let failure = result.generatorFailure {
            Terminal.error(failure)
            return .internalError
        }
        if !json { print(remove ? "removed: the next boot reserves no memory for kreboot's crashkernel="
                                : "applied: the next boot reserves the memory (kreboot status shows it)") }
        return .ok
    }

    /// The change as people read it: the boot loader, what was found elsewhere, the diff, what runs after.
    private func show(_ plan: CrashkernelApplyPlan) {
        let place = plan.kind == .grub ? "GRUB (\(BootLoaderFiles.krebootDropIn))" : "Boot Loader Spec entries"
        print("\(remove ? "remove" : "apply") \(plan.parameters) — \(place)")
        for line in plan.existing { print("already set elsewhere, not duplicated: \(line)") }
        for note in plan.notes { print("note: \(note)") }
        if plan.changesNothing {
            print("nothing to change")
            return
        }
        for edit in plan.edits { print(edit.diff.joined(separator: "\n")) }
        if let generator = plan.generator {
            print("then: \(generator.joined(separator: " "))" + (root.isRealRoot ? "" : " — NOT run under --root \(root.path); run it in that system"))
        }
    }

    private func emit(_ plan: CrashkernelApplyPlan, applied: Bool, done: [String]) {
        try? JSONOutput.print(Report(kind: plan.kind.rawValue, parameters: plan.parameters, remove: remove,
                                     edits: plan.edits.map { .init(path: $0.path, before: $0.before, after: $0.after) },
                                     generator: plan.generator, existing: plan.existing, notes: plan.notes,
                                     applied: applied, done: done))
    }
}
