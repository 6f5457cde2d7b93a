import LinuxSystem
import RebootPlan

/// What `kreboot calibrate --apply` changes to put the recommended crashkernel= into the boot loader, or
/// (`--remove`) to take it out again. Pure: the files come in as `BootLoaderFiles`.
///
/// - Boot Loader Spec (entries under /boot/loader/entries): as `grubby --update-kernel=ALL --args` does, the
///   parameters go onto every entry's `options` line and onto /etc/kernel/cmdline (when it exists, for
///   kernels installed later); /var/lib/kreboot/crashkernel-applied records what was added, so `--remove`
///   takes out exactly that. Entries whose options are `$kernelopts` (RHEL 8, Fedora before 33) get them from
///   grubenv: there `kernelopts` is edited instead, as grubby does on those systems, the block keeping its
///   size. Other `$variables` on an options line (tuned's `$tuned_params`) stay as they are. No generator runs.
/// - GRUB (/etc/default/grub, no BLS entries): a drop-in, /etc/default/grub.d/kreboot.cfg, appends them to
///   GRUB_CMDLINE_LINUX_DEFAULT; then grub.cfg is generated again (update-grub, else grub-mkconfig -o).
///   `--remove` deletes the drop-in and generates again. Where grub-mkconfig reads no drop-ins (upstream
///   GRUB: Arch, openSUSE), the same line goes at the end of /etc/default/grub under a marker comment, and
///   `--remove` takes out exactly those two lines.
/// - A crashkernel= already set elsewhere (GRUB's defaults, another drop-in such as kdump-tools', an entry,
///   /etc/kernel/cmdline) is reported and not duplicated: that place is left as it is.
public struct CrashkernelApplyPlan: Sendable, Equatable {
    /// Which boot loader configuration is edited.
    public enum Kind: String, Sendable, Equatable {
        case grub
        case bls
    }

    /// One file's change: `before` nil for a new file, `after` nil for a removed one.
    public struct Edit: Sendable, Equatable {
        public var path: String
        public var before: String?
        public var after: String?

        /// The change as people read a diff: `--- path` / `+++ path`, then `-`/`+` for the lines that differ.
        public var diff: [String] {
            let old = before.map(Self.lines) ?? []
            let new = after.map(Self.lines) ?? []
            var out = ["--- \(path)" + (before == nil ? " (new file)" : ""), "+++ \(path)" + (after == nil ? " (removed)" : "")]
            if before == nil || after == nil {
                out += old.map { "-" + $0 } + new.map { "+" + $0 }
                return out
            }
            for index in 0..<max(old.count, new.count) {
                let a = index < old.count ? old[index] : nil
                let b = index < new.count ? new[index] : nil
                if a == b { continue }
                if let a { out.append("-" + Self.shown(a)) }
                if let b { out.append("+" + Self.shown(b)) }
            }
            return out
        }

        /// A line as the diff shows it: grubenv's `#` padding as its length.
        static func shown(_ line: String) -> String {
            line.count > 40 && line.allSatisfy({ $0 == "#" }) ? "#… (\(line.count) bytes of # padding)" : line
        }

        static func lines(_ text: String) -> [String] {
            var lines = text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
            if lines.last == "" { lines.removeLast() }
            return lines
        }
    }

    public var kind: Kind
    /// The parameters added or removed (`crashkernel=320M`, or the High and Low pair).
    public var parameters: String
    public var edits: [Edit]
    /// The grub.cfg generator to run after the edits (GRUB only), argv.
    public var generator: [String]?
    /// A crashkernel= found elsewhere, one line each (`/etc/default/grub:7: GRUB_CMDLINE_LINUX="… crashkernel=384M"`).
    public var existing: [String]
    /// Remarks (an entry that takes its options from grubenv's $kernelopts, no generator installed …).
    public var notes: [String]

    /// Whether there is anything to do.
    public var changesNothing: Bool { edits.isEmpty }

    /// Why an apply cannot be planned.
    public enum Problem: Error, Sendable, Equatable {
        /// Neither GRUB defaults nor BLS entries.
        case noBootLoader(String)
        /// Nothing to add (an empty recommendation) or nothing recorded to remove.
        case nothingToDo(String)

        public var message: String {
            switch self {
            case .noBootLoader(let m), .nothingToDo(let m): m
            }
        }
    }

    /// The drop-in kreboot writes for `parameters`.
    public static func dropIn(_ parameters: String) -> String {
        """
        # Written by `kreboot calibrate --apply`: the crashkernel= reservation kreboot calibrate recommends.
        # `kreboot calibrate --apply --remove` deletes this file and generates grub.cfg again.
        \(dropInLine(parameters))

        """
    }

    /// The assignment that appends `parameters` to the kernel command line GRUB generates.
    static func dropInLine(_ parameters: String) -> String {
        "GRUB_CMDLINE_LINUX_DEFAULT=\"$GRUB_CMDLINE_LINUX_DEFAULT \(parameters)\""
    }

    /// The comment above the line kreboot appends to /etc/default/grub where drop-ins are not read.
    public static let defaultsMarker = "# Added by `kreboot calibrate --apply`; `kreboot calibrate --apply --remove` takes out this line and the next."

    /// /etc/default/grub's text without kreboot's marked lines, and the marked block found (nil when none).
    static func withoutMarkedBlock(_ text: String) -> (rest: String, block: String?) {
        var lines = Edit.lines(text)
        guard let index = lines.firstIndex(of: defaultsMarker) else { return (text, nil) }
        let end = min(index + 2, lines.count)
        let block = lines[index..<end].joined(separator: "\n") + "\n"
        lines.removeSubrange(index..<end)
        return (lines.isEmpty ? "" : lines.joined(separator: "\n") + "\n", block)
    }

    /// Plans adding `parameters` (or, with `remove`, taking out what kreboot added) to the boot loader of `files`.
    public static func plan(_ files: BootLoaderFiles, parameters: String, remove: Bool) -> Result<CrashkernelApplyPlan, Problem> {
        if !files.entries.isEmpty { return bls(files, parameters: parameters, remove: remove) }
        if files.files[BootLoaderFiles.grubDefaults] != nil || files.files[BootLoaderFiles.krebootDropIn] != nil {
            return grub(files, parameters: parameters, remove: remove)
        }
        return .failure(.noBootLoader("no GRUB defaults (\(BootLoaderFiles.grubDefaults)) and no Boot Loader Spec entries "
            + "(\(BootLoaderFiles.entryDirectories[0])): add \(parameters) to the boot loader's kernel command line yourself"))
    }

    static func grub(_ files: BootLoaderFiles, parameters: String, remove: Bool) -> Result<CrashkernelApplyPlan, Problem> {
        var plan = CrashkernelApplyPlan(kind: .grub, parameters: parameters, edits: [], generator: files.generator,
                                        existing: [], notes: [])
        let defaults = files.files[BootLoaderFiles.grubDefaults]
        let (defaultsRest, marked) = defaults.map(withoutMarkedBlock) ?? ("", nil)
        let inDefaults = !files.grubReadsDropIns && defaults != nil
        let current = files.files[BootLoaderFiles.krebootDropIn]
        if remove {
            var found = false
            if let current {
                plan.edits.append(Edit(path: BootLoaderFiles.krebootDropIn, before: current, after: nil))
                found = true
            }
            if let defaults, marked != nil {
                plan.edits.append(Edit(path: BootLoaderFiles.grubDefaults, before: defaults, after: defaultsRest))
                found = true
            }
            guard found else {
                return .failure(.nothingToDo(inDefaults
                    ? "\(BootLoaderFiles.grubDefaults) has no line added by kreboot: kreboot applied nothing to GRUB"
                    : "\(BootLoaderFiles.krebootDropIn) does not exist: kreboot applied nothing to GRUB"))
            }
        } else {
            plan.existing += crashkernelLines(defaultsRest, path: BootLoaderFiles.grubDefaults) { $0.hasPrefix("GRUB_CMDLINE_LINUX") }
            if files.grubReadsDropIns {
                for path in files.dropIns where path != BootLoaderFiles.krebootDropIn {
                    plan.existing += crashkernelLines(files.files[path] ?? "", path: path) { $0.hasPrefix("GRUB_CMDLINE_LINUX") }
                }
            }
            if plan.existing.isEmpty {
                if inDefaults, let defaults {
                    let wanted = defaultsMarker + "\n" + dropInLine(parameters) + "\n"
                    let after = defaultsRest + (defaultsRest.isEmpty || defaultsRest.hasSuffix("\n") ? "" : "\n") + wanted
                    if after != defaults { plan.edits.append(Edit(path: BootLoaderFiles.grubDefaults, before: defaults, after: after)) }
                    plan.notes.append("this grub-mkconfig reads no \(BootLoaderFiles.grubDropInDirectory): the line goes into \(BootLoaderFiles.grubDefaults)")
                } else if current != dropIn(parameters) {
                    plan.edits.append(Edit(path: BootLoaderFiles.krebootDropIn, before: current, after: dropIn(parameters)))
                }
            }
        }
        if plan.edits.isEmpty { plan.generator = nil }
        if !plan.edits.isEmpty && plan.generator == nil {
            plan.notes.append("no update-grub or grub-mkconfig installed: generate grub.cfg yourself")
        }
        return .success(plan)
    }

    static func bls(_ files: BootLoaderFiles, parameters: String, remove: Bool) -> Result<CrashkernelApplyPlan, Problem> {
        var plan = CrashkernelApplyPlan(kind: .bls, parameters: parameters, edits: [], generator: nil, existing: [], notes: [])
        let words: [String]
        if remove {
            guard let recorded = files.files[BootLoaderFiles.appliedRecord]?.trimmingWhitespace(), !recorded.isEmpty else {
                return .failure(.nothingToDo("\(BootLoaderFiles.appliedRecord) does not exist: kreboot applied nothing to the BLS entries"))
            }
            plan.parameters = recorded
            words = KernelCommandLine(recorded).parameters
        } else {
            words = KernelCommandLine(parameters).parameters
        }
        if let cmdline = files.files[BootLoaderFiles.kernelCmdline] {
            let line = KernelCommandLine(cmdline)
            if remove {
                let kept = line.parameters.filter { !words.contains($0) }
                if kept != line.parameters { plan.edits.append(Edit(path: BootLoaderFiles.kernelCmdline, before: cmdline, after: KernelCommandLine(parameters: kept).description + "\n")) }
            } else if line.parameters.contains(where: { KernelCommandLine.key(of: $0) == "crashkernel" }) {
                plan.existing += crashkernelLines(cmdline, path: BootLoaderFiles.kernelCmdline) { _ in true }
            } else {
                plan.edits.append(Edit(path: BootLoaderFiles.kernelCmdline, before: cmdline, after: line.appending(parameters).description + "\n"))
            }
        }
        var kerneloptsEntries: [String] = []
        for path in files.entries {
            guard let text = files.files[path] else { continue }
            var lines = Edit.lines(text)
            guard let index = lines.firstIndex(where: { Self.key(of: $0) == "options" }) else {
                if !remove { plan.edits.append(Edit(path: path, before: text, after: text + (text.hasSuffix("\n") || text.isEmpty ? "" : "\n") + "options \(parameters)\n")) }
                continue
            }
            let options = KernelCommandLine(String(lines[index].trimmingWhitespace().dropFirst("options".count)))
            if options.parameters.contains("$kernelopts") {
                kerneloptsEntries.append(path)
                continue
            }
            let newOptions: [String]
            if remove {
                newOptions = options.parameters.filter { !words.contains($0) }
                if newOptions == options.parameters { continue }
            } else {
                if options.parameters.contains(where: { KernelCommandLine.key(of: $0) == "crashkernel" }) {
                    plan.existing += crashkernelLines(text, path: path) { Self.key(of: $0) == "options" }
                    continue
                }
                newOptions = options.parameters + words
            }
            lines[index] = "options " + newOptions.joined(separator: " ")
            plan.edits.append(Edit(path: path, before: text, after: lines.joined(separator: "\n") + "\n"))
        }
        if !kerneloptsEntries.isEmpty {
            editKernelopts(files, words: words, remove: remove, entries: kerneloptsEntries, plan: &plan)
        }
        let record = files.files[BootLoaderFiles.appliedRecord]
        if remove {
            plan.edits.append(Edit(path: BootLoaderFiles.appliedRecord, before: record, after: nil))
        } else if !plan.edits.isEmpty, record != parameters + "\n" {
            plan.edits.append(Edit(path: BootLoaderFiles.appliedRecord, before: record, after: parameters + "\n"))
        }
        return .success(plan)
    }

    /// grubenv's `kernelopts` for the entries that use it: the parameters added (or, removing, taken out), or the
    /// crashkernel= it already has reported; a note when there is no grubenv or no kernelopts in it.
    static func editKernelopts(_ files: BootLoaderFiles, words: [String], remove: Bool, entries: [String],
                               plan: inout CrashkernelApplyPlan) {
        let users = entries.count == 1 ? entries[0] : "\(entries.count) entries (\(entries[0]), …)"
        guard let path = files.grubEnvironment, let text = files.files[path],
              let current = GrubEnvironment.value(of: "kernelopts", in: text) else {
            let place = files.grubEnvironment ?? BootLoaderFiles.grubEnvironmentCandidates.joined(separator: " or ")
            plan.notes.append("\(users): options use $kernelopts, but \(place) sets no kernelopts; not edited")
            return
        }
        plan.notes.append("\(users): options use $kernelopts, set in \(path)")
        let line = KernelCommandLine(current)
        let new: [String]
        if remove {
            new = line.parameters.filter { !words.contains($0) }
            if new == line.parameters { return }
        } else {
            if line.parameters.contains(where: { KernelCommandLine.key(of: $0) == "crashkernel" }) {
                plan.existing.append("\(path): kernelopts=\(current)")
                return
            }
            new = line.parameters + words
        }
        guard let edited = GrubEnvironment.setting("kernelopts", to: new.joined(separator: " "), in: Array(text.utf8)) else {
            plan.notes.append("\(path): no room for the longer kernelopts in the 1024-byte block; not edited")
            return
        }
        plan.edits.append(Edit(path: path, before: text, after: String(decoding: edited.block, as: UTF8.self)))
    }

    /// The lines of `text` (not comments) that set crashkernel=, among those `relevant` picks, as `path:N: line`.
    static func crashkernelLines(_ text: String, path: String, relevant: (String) -> Bool) -> [String] {
        Edit.lines(text).enumerated().compactMap { index, raw in
            let line = raw.trimmingWhitespace()
            guard !line.hasPrefix("#"), relevant(line), line.contains("crashkernel=") else { return nil }
            return "\(path):\(index + 1): \(line)"
        }
    }

    /// A BLS line's key (`options` of `options root=…`).
    static func key(of line: String) -> String {
        String(line.trimmingWhitespace().prefix { $0 != " " && $0 != "\t" })
    }
}
