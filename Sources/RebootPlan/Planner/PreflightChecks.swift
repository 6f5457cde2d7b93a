import KexecCore
import LinuxSystem
/// The preflight checks of a plan, each pass/warn/fail with one line naming the file or the cause. Pure.
struct PreflightChecks {
    let snapshot: SystemSnapshot
    let options: PlanOptions

    /// Every check for `target` (nil when none could be chosen; `targetFailure` then says why). A kdump
    /// test's `kdump-config` comes first: a malformed dump target is the error (78) whatever else fails.
    func run(target: BootTarget?, targetFailure: PlanCheck?, capture: KdumpCapture? = nil) -> [PlanCheck] {
        var checks = capture.map { [CapturePlanner.configCheck($0)] } ?? []
        checks += [root(), kexecSupported(), kexecLoadDisabled(), lockdown(), secureBoot(), loadPath(), mountTable()]
        if let impossible = kernelValues() { checks.append(impossible) }
        if let targetFailure { checks.append(targetFailure) }
        if let target {
            checks.append(bootEntry(target.source, configChecked: capture != nil))
            checks.append(kernelImage(target.kernel))
            if let facts = snapshot.files[target.kernel], facts.exists, facts.image != nil {
                checks.append(PlanCheck(.signature, KexecRules.signature(target.kernel, facts.image, snapshot.kernel)))
            }
            checks.append(initrds(target.initrds, kernel: target.kernel))
        }
        checks.append(sessions())
        if options.policy.strategy == .kreboot { checks.append(swap()) }
        if let network = networkMounts() { checks.append(network) }
        switch options.mode {
        case .reboot: checks.append(alreadyLoaded())
        case .kdumpTest:
            checks += [crashkernel(), crashCapture(), dumpSpace(capture?.saveDirectory, savedBy: capture?.savedBy)]
            if let capture { checks.append(CapturePlanner.check(capture)) }
        }
        return checks
    }

    /// The chosen entry; a warning naming the first file the boot loader (or, for a kdump test, the kdump
    /// configuration) could not use as it is (a grubenv that is a FIFO, a grub.cfg cut at a limit), since the
    /// choice was made without it. An unreadable kdump configuration is left to the `kdump-config` check when
    /// the plan has one (`configChecked`), so it is named once.
    private func bootEntry(_ source: BootTarget.Source, configChecked: Bool) -> PlanCheck {
        var problems = source.kind == .explicit || source.kind == .kdumpConfig ? [] : snapshot.bootLoader.problems
        if options.mode == .kdumpTest, !configChecked, let kdump = snapshot.kdumpProblem { problems.append(kdump) }
        guard let first = problems.first else { return PlanCheck(.bootEntry, .pass, describe(source)) }
        let more = problems.count > 1 ? " (and \(problems.count - 1) more)" : ""
        return PlanCheck(.bootEntry, .warn, "\(describe(source)); \(first)\(more)")
    }

    private func describe(_ source: BootTarget.Source) -> String {
        let name = source.title ?? source.id ?? source.kind.rawValue
        return "\(source.kind.rawValue) entry \"\(name)\"" + (source.file.map { " from \($0)" } ?? "")
    }

    func root() -> PlanCheck {
        guard snapshot.root.isRealRoot else {
            return PlanCheck(.root, .warn, "not checked: planning for \(snapshot.root.path), not for the machine running kreboot")
        }
        return PlanCheck(.root, KexecRules.privileges(snapshot.process))
    }

    func kexecSupported() -> PlanCheck {
        if !snapshot.kernel.kexecSupported && !snapshot.root.isRealRoot {
            return PlanCheck(.kexecSupported, .warn, "unknown: \(snapshot.root.path) has no /sys/kernel/kexec_loaded")
        }
        return PlanCheck(.kexecSupported, KexecRules.kexecSupported(snapshot.kernel))
    }

    func kexecLoadDisabled() -> PlanCheck {
        PlanCheck(.kexecLoadDisabled, KexecRules.kexecLoadEnabled(snapshot.kernel))
    }

    func lockdown() -> PlanCheck {
        PlanCheck(.lockdown, KexecRules.lockdown(snapshot.kernel))
    }

    func secureBoot() -> PlanCheck {
        PlanCheck(.secureBoot, KexecRules.secureBoot(snapshot.kernel))
    }

    /// kexec_file_load, or kexec-tools' kexec_load (a warning that says so) where the running kernel has none.
    func loadPath() -> PlanCheck {
        PlanCheck(.loadPath, KexecRules.loadPath(snapshot.kernel, kexecTools: snapshot.kexecTools))
    }

    /// Through kexec_load, what kexec-tools needs for a correct capture on this architecture.
    func crashCapture() -> PlanCheck {
        PlanCheck(.crashCapture, KexecRules.crashCapture(snapshot.kernel, machine: snapshot.process.machineArch))
    }

    func mountTable() -> PlanCheck {
        if let problem = snapshot.mountTableProblem { return PlanCheck(.mountTable, .fail, problem.message) }
        return PlanCheck(.mountTable, .pass, "\(snapshot.mounts.count) mounts read from \(snapshot.mountTableFile)")
    }

    /// The kernel numbers this plan depends on: MemAvailable when swap is to be turned off; MemTotal, the
    /// Crash kernel ranges and kexec_crash_size for a kdump test. One that is impossible fails the plan
    /// (exit 65) naming the file and the field; nil (no check listed) when all are possible.
    func kernelValues() -> PlanCheck? {
        guard let message = snapshot.kernel.impossibleMessage(dependedOn) else { return nil }
        return PlanCheck(.kernelValues, .fail, message)
    }

    /// The kernel numbers the checks of this plan use.
    var dependedOn: [KernelState.ImpossibleValue] {
        var values: [KernelState.ImpossibleValue] = []
        if options.policy.strategy == .kreboot && !snapshot.swaps.isEmpty { values.append(.memAvailable) }
        if options.mode == .kdumpTest { values += [.kexecCrashSize, .crashRegions, .memTotal] }
        return values
    }

    func kernelImage(_ path: String) -> PlanCheck {
        guard let facts = snapshot.files[path], facts.exists else {
            return PlanCheck(.kernelImage, .fail, "\(path): no such file")
        }
        guard facts.isRegularFile else { return PlanCheck(.kernelImage, .fail, "\(path): not a regular file") }
        guard facts.readable else { return PlanCheck(.kernelImage, .fail, "\(path): not readable") }
        guard let image = facts.image else {
            return PlanCheck(.kernelImage, .fail, facts.imageProblem ?? "\(path): not a kernel image")
        }
        let arch = KexecRules.architecture(path, image, machine: snapshot.process.machineArch)
        guard arch.severity == .pass else { return PlanCheck(.kernelImage, arch) }
        let release = image.release.map { " \($0)" } ?? ""
        if let named = Self.releaseInFileName(path), let actual = image.release, named != actual {
            return PlanCheck(.kernelImage, .warn, "\(path): the file name says \(named), the image says \(actual)")
        }
        return PlanCheck(.kernelImage, .pass, "\(path): \(image.format.rawValue) \(image.arch)\(release)")
    }

    /// The release in a Debian/Fedora-style kernel file name (`/boot/vmlinuz-6.1.0-28-amd64` → `6.1.0-28-amd64`).
    static func releaseInFileName(_ path: String) -> String? {
        let name = path.split(separator: "/").last.map(String.init) ?? path
        guard name.hasPrefix("vmlinuz-") || name.hasPrefix("vmlinux-") else { return nil }
        let release = String(name.dropFirst("vmlinuz-".count))
        return release.first?.isNumber == true ? release : nil
    }

    func initrds(_ paths: [String], kernel: String? = nil) -> PlanCheck {
        if paths.isEmpty {
            if let kernel, let image = snapshot.files[kernel]?.image, image.format == .uki,
               image.details["sections"]?.split(separator: ",").contains(".initrd") == true {
                return PlanCheck(.initrd, .pass, "the UKI's own .initrd (\(kernel))")
            }
            return PlanCheck(.initrd, .pass, "no initrd")
        }
        for path in paths {
            guard let facts = snapshot.files[path], facts.exists else { return PlanCheck(.initrd, .fail, "\(path): no such file") }
            guard facts.isRegularFile else { return PlanCheck(.initrd, .fail, "\(path): not a regular file") }
            guard facts.readable else { return PlanCheck(.initrd, .fail, "\(path): not readable") }
            guard facts.size > 0 else { return PlanCheck(.initrd, .fail, "\(path): empty file") }
        }
        return PlanCheck(.initrd, .pass, paths.joined(separator: ", ") + (paths.count == 1 ? " is readable" : " are readable"))
    }

    func sessions() -> PlanCheck {
        guard let sessions = snapshot.sessions else {
            return PlanCheck(.sessions, .pass, "login sessions not checked" + (snapshot.root.isRealRoot ? "" : " (planning for \(snapshot.root.path))"))
        }
        let others = sessions.filter { $0.uid != 0 && $0.uid != snapshot.process.effectiveUID }
        guard let first = others.first else { return PlanCheck(.sessions, .pass, "no other users logged in") }
        let place = first.remoteHost.map { " from \($0)" } ?? first.tty.map { " on \($0)" } ?? ""
        let message = "\(others.count) other login session(s): \(first.user)\(place) (session \(first.id))"
        return options.policy.ignoreSessions
            ? PlanCheck(.sessions, .warn, message + "; --ignore-sessions given")
            : PlanCheck(.sessions, .fail, message + "; use --ignore-sessions to reboot anyway")
    }

    /// Every swap area is turned off before the file systems are touched: the pages in swap must fit in the
    /// memory that is free.
    func swap() -> PlanCheck {
        guard !snapshot.swaps.isEmpty else { return PlanCheck(.swap, .pass, "no swap in use") }
        let used = snapshot.swaps.reduce(UInt64(0)) { $0.addingReportingOverflow($1.usedBytes).partialValue }
        let names = snapshot.swaps.map(\.path).joined(separator: ", ")
        if let impossible = snapshot.kernel.impossible[.memAvailable] { return PlanCheck(.swap, .fail, impossible) }
        guard let available = snapshot.memAvailableBytes else {
            return PlanCheck(.swap, .warn, "\(names): \(used >> 20) MiB in swap, free memory unknown (/proc/meminfo)")
        }
        return used <= available
            ? PlanCheck(.swap, .pass, "\(names) to be turned off: \(used >> 20) MiB in swap, \(available >> 20) MiB available")
            : PlanCheck(.swap, .fail, "\(names): \(used >> 20) MiB in swap but only \(available >> 20) MiB of memory available to take it back; free memory and retry")
    }

    /// Every network mount's server must answer the preflight probe: one that does not would hang its unmount
    /// (and systemd's). Refused (75) before anything is stopped, naming the server and the mount point, unless
    /// `--detach-unreachable-network-mounts` turns its unmount into a lazy detach. Nil when there are none.
    func networkMounts() -> PlanCheck? {
        let probes = snapshot.networkMountProbes
        guard !probes.isEmpty else { return nil }
        let dead = probes.filter(\.isDead)
        let lines = probes.map(Self.describe).joined(separator: "; ")
        guard !dead.isEmpty else { return PlanCheck(.networkMounts, .pass, lines) }
        let names = dead.map { "\($0.path) (server \($0.server))" }.joined(separator: ", ")
        if options.policy.detachUnreachableNetworkMounts {
            return PlanCheck(.networkMounts, .warn, "\(lines); \(names) detached lazily instead of unmounted (--detach-unreachable-network-mounts)")
        }
        return PlanCheck(.networkMounts, .fail, "\(lines); refusing before anything is stopped: unmounting \(names) would hang; bring the server back, or use --detach-unreachable-network-mounts to detach it lazily")
    }

    /// One probe in words: `/mnt/nfs (server 10.0.9.1): answered in 0.02 s`.
    static func describe(_ probe: NetworkMountProbe) -> String {
        let head = "\(probe.path) (server \(probe.server))"
        switch probe.outcome {
        case .reachable: return "\(head): answered in \(secondsText(probe.seconds)) s"
        case .unreachable: return "\(head): server \(probe.server) did not answer within \(secondsText(probe.seconds)) s"
        case .failed: return "\(head): server \(probe.server) failed the probe: \(probe.detail)"
        case .notProbed: return "\(head): not probed (\(probe.detail))"
        }
    }

    static func secondsText(_ seconds: Double) -> String {
        seconds >= 1 ? String(Int(seconds.rounded())) : String((seconds * 100).rounded() / 100)
    }

    func alreadyLoaded() -> PlanCheck {
        snapshot.kernel.kexecLoaded == true
            ? PlanCheck(.alreadyLoaded, .warn, "a kernel is already loaded (/sys/kernel/kexec_loaded is 1): it will be replaced")
            : PlanCheck(.alreadyLoaded, .pass, "no kernel loaded yet")
    }

    func crashkernel() -> PlanCheck {
        PlanCheck(.crashkernel, KexecRules.crashReservation(snapshot.kernel))
    }

    /// Room for the dump in `saveDirectory` (the capture's, else kreboot's own dump directory). A remote
    /// target: a warning (the server's space is asked at save time) — or a failure (69) when kreboot's own
    /// saver would have to send it over ftp, which its save-dump cannot do yet, so that the test
    /// fails now and not after the panic.
    func dumpSpace(_ saveDirectory: String? = nil, savedBy: String? = nil) -> PlanCheck {
        let dir = saveDirectory ?? snapshot.dumpDirectory
        guard let dir else {
            // A remote target (DumpDelivery; a malformed one is the kdump-config check's failure): the server's
            // free space can only be asked in the capture boot, by the transport, where its protocol tells.
            guard let config = snapshot.kdump, let delivery = try? DumpDelivery.read(config), delivery.target.isRemote else {
                return PlanCheck(.dumpSpace, .warn, "the dump target is not a local path: its free space is not checked here")
            }
            let target = delivery.target
            let byKreboot = savedBy == KdumpSaver.Kind.kreboot.rawValue
            let network = byKreboot && delivery.needsNetwork ? "; the capture boot brings up the network first (\(delivery.network.summary))" : ""
            if target.scheme == .sftp || target.scheme == .ftp {
                return PlanCheck(.dumpSpace, .warn, "\(target): remote; \(target.scheme.rawValue) cannot tell the server's free space, so a full disk there shows only as a failed upload" + network)
            }
            return PlanCheck(.dumpSpace, .warn, "\(target): remote; free space is checked on the server when the dump is saved, where \(target.scheme.rawValue) can tell" + network)
        }
        guard let free = snapshot.freeSpace[dir] else { return PlanCheck(.dumpSpace, .warn, "\(dir): free space unknown") }
        if let impossible = snapshot.kernel.impossible[.memTotal] { return PlanCheck(.dumpSpace, .fail, impossible) }
        let needed = Self.dumpSpaceNeeded(memTotal: snapshot.kernel.memTotalBytes ?? 0, config: snapshot.kdump)
        let freeText = Self.size(free), neededText = Self.size(needed)
        return free >= needed
            ? PlanCheck(.dumpSpace, .pass, "\(dir): \(freeText) free, about \(neededText) needed")
            : PlanCheck(.dumpSpace, .fail, "\(dir): \(freeText) free, about \(neededText) needed for the dump")
    }

    /// A size as people read it, as coarse as its magnitude allows (so a plan of a live system reads the same
    /// from one second to the next): `812 MiB`, `3.4 GiB`, `52 GiB`.
    static func size(_ bytes: UInt64) -> String {
        let mib = bytes >> 20
        if mib < 1024 { return "\(mib) MiB" }
        let gib = Double(bytes) / Double(1 << 30)
        return gib < 10 ? "\(gib.fixed(1)) GiB" : "\(Int(gib.rounded())) GiB"
    }

    /// Room a dump needs: KDUMP_FREE_DISK_SIZE (default 64 MiB) kept free, plus the dump itself —
    /// a filtered, compressed dump (makedumpfile -d 31) is a few percent of RAM; an unfiltered ELF dump is all of it.
    static func dumpSpaceNeeded(memTotal: UInt64, config: KdumpConfig?) -> UInt64 {
        // KDUMP_FREE_DISK_SIZE comes from a file: a negative or huge value is clamped, never a trap.
        let reserveMiB = UInt64(clamping: max(0, config?.freeDiskSizeMiB ?? 64))
        let reserve = reserveMiB.checkedMultiply(1 << 20) ?? .max
        let format = config?.dumpFormat?.lowercased()
        if format == "none" { return reserve }
        let level = config?.dumpLevel ?? 31
        let compressed = format == nil || ["compressed", "lzo", "snappy", "zstd", "zlib"].contains(format!)
        let dump: UInt64 = (level >= 31 && compressed) ? memTotal / 20 : memTotal
        return reserve.saturatingAdd(dump)
    }
}
