import KexecCore
import LinuxSystem
/// Chooses what to boot: `--kernel` wins, then `--entry`, then (for a kdump test) the kdump
/// configuration's kernel or the running kernel's entry, then the boot loader's default. Pure.
struct TargetSelector {
    let snapshot: SystemSnapshot
    let options: PlanOptions

    /// The outcome: a target, or the failed `boot-entry` check that says why there is none.
    enum Selection {
        case success(BootTarget)
        case failure(PlanCheck)
    }

    /// The chosen target, or the failed `boot-entry` check that says why there is none.
    func select() -> Selection {
        let running = KernelCommandLine(snapshot.commandLine ?? "")
        if let kernel = options.kernel {
            let (line, why) = options.mode == .kdumpTest
                ? captureCommandLine(initrds: options.initrds)
                : commandLine(entryOptions: nil, running: running, ukiCommandLine: ukiCommandLine(kernel))
            return .success(BootTarget(kernel: kernel, initrds: options.initrds, commandLine: line,
                                       source: .init(kind: .explicit, rule: "--kernel \(kernel); command line \(why)")))
        }
        if let selector = options.entry {
            guard let entry = findEntry(selector) else {
                let known = snapshot.bootLoader.entries.prefix(8).map { "\"\($0.id)\"" }.joined(separator: ", ")
                return .failure(PlanCheck(.bootEntry, .fail,
                    "no boot entry matches --entry \"\(selector)\"" + (known.isEmpty ? " (no entries found)" : "; entries: \(known)")))
            }
            return .success(target(for: entry, rule: "--entry \"\(selector)\"", running: running))
        }
        if options.mode == .kdumpTest, let target = captureTarget(running: running) {
            return .success(target)
        }
        guard let entry = snapshot.bootLoader.defaultEntry else {
            return .failure(PlanCheck(.bootEntry, .fail, noDefaultReason()))
        }
        return .success(target(for: entry, rule: snapshot.bootLoader.defaultRule, running: running))
    }

    private func target(for entry: BootEntry, rule: String, running: KernelCommandLine) -> BootTarget {
        let initrds = options.initrds.isEmpty ? entry.initrds : options.initrds
        let (line, why) = options.mode == .kdumpTest
            ? captureCommandLine(initrds: initrds)
            : commandLine(entryOptions: entry.options, running: running)
        return BootTarget(kernel: entry.kernel, initrds: initrds, commandLine: line,
                          source: .init(kind: entry.source, id: entry.id, title: entry.title, file: entry.file,
                                        rule: "\(rule); command line \(why)"))
    }

    /// The kdump test's capture kernel: KDUMP_KERNEL, else the entry of the running release, else /boot/vmlinuz-<release>.
    private func captureTarget(running: KernelCommandLine) -> BootTarget? {
        if let kdump = snapshot.kdump, let kernel = kdump.kernel {
            let initrds = kdump.initrd.map { [$0] } ?? []
            let (line, why) = captureCommandLine(initrds: initrds)
            return BootTarget(kernel: kernel, initrds: initrds, commandLine: line,
                              source: .init(kind: .kdumpConfig, file: kdump.file, rule: "kernel from \(kdump.file); command line \(why)"))
        }
        guard let release = snapshot.kernel.runningRelease else { return nil }
        if let entry = snapshot.bootLoader.entries.first(where: {
            $0.kernel.hasSuffix("-" + release) || $0.version == release || $0.extra["uname"] == release
        }) {
            var chosen = target(for: entry, rule: "the entry of the running kernel \(release)", running: running)
            if options.initrds.isEmpty, let own = snapshot.captureInitrd, own.isFresh,
               chosen.initrds.count == 1, own.stamp?.source == chosen.initrds[0] {
                let production = chosen.initrds[0]
                chosen.initrds = [own.path]
                chosen.source.rule = (chosen.source.rule ?? "")
                    + "; initrd: kreboot's capture initrd, built from \(production) with MODULES=\(own.stamp?.modules ?? "dep")"
            }
            return chosen
        }
        let kernel = "/boot/vmlinuz-\(release)"
        guard snapshot.files[kernel]?.exists == true || snapshot.bootLoader.entries.isEmpty else { return nil }
        let (line, why) = captureCommandLine(initrds: [])
        return BootTarget(kernel: kernel, initrds: [], commandLine: line,
                          source: .init(kind: .explicit, rule: "the running kernel's image \(kernel); command line \(why)"))
    }

    /// The `.cmdline` embedded in `kernel` when it is a UKI: what it boots with unless told otherwise.
    private func ukiCommandLine(_ kernel: String) -> String? {
        guard let image = snapshot.files[kernel]?.image, image.format == .uki else { return nil }
        return image.details["cmdline"].flatMap { $0.isEmpty ? nil : $0 }
    }

    private func commandLine(entryOptions: String?, running: KernelCommandLine, ukiCommandLine: String? = nil) -> (String, String) {
        if let explicit = options.commandLine {
            return (KernelCommandLine(explicit).appending(options.append).description, "from --command-line")
        }
        let base: KernelCommandLine
        var why: String
        if options.reuseCommandLine {
            base = running.reusable; why = "reused from /proc/cmdline"
        } else if let entryOptions {
            base = KernelCommandLine(entryOptions); why = "from the entry"
        } else if let ukiCommandLine {
            base = KernelCommandLine(ukiCommandLine); why = "the UKI's embedded .cmdline"
        } else {
            base = running.reusable; why = "reused from /proc/cmdline (the entry has none)"
        }
        if why.hasPrefix("reused"), let problem = snapshot.commandLineProblem { why += ", which cannot be read: \(problem)" }
        if options.append != nil { why += " plus --append" }
        return (base.appending(options.append).description, why)
    }

    /// The capture kernel's command line (`CaptureCommandLine`, the one rule) for a capture kernel with `initrds`.
    private func captureCommandLine(initrds: [String]) -> (String, String) {
        let line = Self.captureCommandLine(snapshot: snapshot, options: options, hasInitrd: !initrds.isEmpty)
        var why = line.explanation
        if options.commandLine == nil, let problem = snapshot.commandLineProblem { why += "; the running one cannot be read: \(problem)" }
        return (line.text, why)
    }

    /// The capture command line for a capture kernel loaded on the system of `snapshot` under `options`.
    static func captureCommandLine(snapshot: SystemSnapshot, options: PlanOptions, hasInitrd: Bool) -> CaptureCommandLine {
        CaptureCommandLine(running: snapshot.commandLine ?? "", config: snapshot.kdump, hasInitrd: hasInitrd,
                           kreboot: snapshot.krebootPath, saveDevice: snapshot.dumpSaveDevice,
                           override: options.commandLine, append: options.append,
                           needsNetwork: snapshot.kdump.flatMap { try? DumpDelivery.read($0) }?.needsNetwork ?? false)
    }

    /// Finds an entry by id, title, menu path (`Advanced options>Debian …`) or index (`2`, `1>0`).
    func findEntry(_ selector: String) -> BootEntry? {
        let entries = snapshot.bootLoader.entries
        if let e = entries.first(where: { $0.id == selector }) { return e }
        if let e = entries.first(where: { $0.index == selector }) { return e }
        if let e = entries.first(where: { $0.title == selector }) { return e }
        if let e = entries.first(where: { $0.menuPath.joined(separator: ">") == selector }) { return e }
        return nil
    }

    private func noDefaultReason() -> String {
        let loader = snapshot.bootLoader
        if let problem = loader.problems.first { return "no bootable default entry: \(problem)" }
        if loader.entries.isEmpty {
            return "no boot entries found (no /boot/grub/grub.cfg, /boot/loader/entries or /boot/vmlinuz); use --kernel"
        }
        return "no default entry: \(loader.defaultRule)"
    }
}
