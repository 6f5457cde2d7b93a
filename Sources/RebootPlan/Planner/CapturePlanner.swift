import KexecCore
import LinuxSystem

/// The capture side of a kdump test (`KdumpCapture`): who armed the capture kernel and who saves the dump
/// where. Pure.
///
/// - Nothing loaded: this plan loads kreboot's capture kernel (`loadCrash`); the dump is saved by whoever its
///   command line names (kreboot's save-dump, or kdump-tools' unit from KDUMP_COMMANDLINE_APPEND).
/// - Loaded by kreboot (its state file has the record): saved as that command line says.
/// - Loaded by another: the service whose configuration is present and whose tool is installed (else the first
///   configuration present) armed it and saves the dump into its own save directory. kreboot loads nothing
///   over it. Without any configuration the saver is `unknown` and the `capture` check warns.
struct CapturePlanner {
    let snapshot: SystemSnapshot
    let options: PlanOptions

    /// The capture side for `target` (kreboot's capture kernel, whose command line's rule is given whether or
    /// not this plan loads it: `kreboot kdump status` and `reload` compare with it).
    func capture(target: BootTarget?) -> KdumpCapture {
        let rule = target.map {
            TargetSelector.captureCommandLine(snapshot: snapshot, options: options, hasInitrd: !$0.initrds.isEmpty).explanation
        }
        var capture: KdumpCapture
        if snapshot.kernel.kexecCrashLoaded != true {
            let saver = saver(for: target?.commandLine ?? "")
            capture = KdumpCapture(armedBy: "kreboot", loadedBefore: false, savedBy: saver.kind.rawValue,
                                   saveDirectory: saver.saveDirectory, layout: saver.layout)
        } else if let record = snapshot.crashLoadRecord {
            let saver = saver(for: record.commandLine)
            capture = KdumpCapture(armedBy: "kreboot", loadedBefore: true, savedBy: saver.kind.rawValue,
                                   saveDirectory: saver.saveDirectory, layout: saver.layout)
        } else if let service = snapshot.kdumpSavers.first(where: \.installed) ?? snapshot.kdumpSavers.first {
            capture = KdumpCapture(armedBy: service.kind.rawValue, loadedBefore: true, savedBy: service.kind.rawValue,
                                   saveDirectory: service.saveDirectory, layout: service.layout)
        } else {
            capture = KdumpCapture(armedBy: "unknown", loadedBefore: true, savedBy: "unknown", saveDirectory: nil, layout: nil)
        }
        capture.commandLineRule = rule
        if let problem = snapshot.kdumpProblem {
            // A configuration file is there but cannot be read: its settings are unknown, and the defaults
            // would send the dump somewhere it does not say.
            capture.configError = problem
            return capture
        }
        do {
            let delivery = try DumpDelivery.read(snapshot.kdump ?? KdumpConfig(file: "(defaults)"))
            capture.delivery = delivery
            let line = snapshot.kernel.kexecCrashLoaded == true ? snapshot.crashLoadRecord?.commandLine : target?.commandLine
            if capture.savedBy == KdumpSaver.Kind.kreboot.rawValue, let line,
               let problem = Self.networkProblem(delivery, captureCommandLine: line, file: snapshot.kdump?.file ?? "(defaults)",
                                                 networkdStaticFiles: snapshot.networkdStaticFiles) {
                capture.configError = problem
            }
        } catch {
            capture.configError = error.message
        }
        return capture
    }

    /// Why kreboot's capture boot with `captureCommandLine` cannot bring up the network `delivery` needs: an
    /// `init=` process (kreboot's save-dump as init, or the configuration's own) runs without systemd, and
    /// kreboot brings the network up only through systemd-networkd. Nil when no network is needed or the
    /// capture boot runs systemd.
    /// Also when KDUMP_NETCONFIG is `IFACE:static` and no systemd-networkd file of the system sets a static
    /// address (`networkdStaticFiles` empty; nil: not known), since the capture boot takes IFACE's addresses
    /// from there.
    static func networkProblem(_ delivery: DumpDelivery, captureCommandLine: String, file: String,
                               networkdStaticFiles: [String]? = nil) -> String? {
        guard delivery.needsNetwork else { return nil }
        if delivery.network.mode == .static, networkdStaticFiles?.isEmpty == true {
            let interface = delivery.network.interface ?? "IFACE"
            return "\(file): KDUMP_NETCONFIG: \(interface):static takes \(interface)'s addresses from the system's systemd-networkd "
                + "configuration, and no .network file in \(NetworkdStaticFiles.directories.prefix(3).joined(separator: ", ")) sets an "
                + "Address= (ifupdown or NetworkManager configure this system?): the capture boot would have no address; "
                + "configure \(interface) with systemd-networkd or use \(interface):dhcp"
        }
        guard let initProcess = KernelCommandLine(captureCommandLine).parameters.first(where: { KernelCommandLine.key(of: $0) == "init" }) else {
            return nil
        }
        return "\(file): KDUMP_NETCONFIG: the dump to \(delivery.target) needs the network, but the capture boot runs "
            + "\(initProcess) without systemd, which kreboot needs to bring it up; remove init= from KDUMP_COMMANDLINE_APPEND "
            + "(kreboot then boots the root's systemd with systemd.unit=\(CaptureCommandLine.saveDumpUnit)) or set KDUMP_NETCONFIG=none"
    }

    /// The saver a capture kernel with `commandLine` runs: named by the command line, kreboot by default,
    /// with the save directory of its configuration.
    private func saver(for commandLine: String) -> KdumpSaver {
        let kind = KdumpSaver.kind(forCaptureCommandLine: commandLine) ?? .kreboot
        if kind != .kreboot, let service = snapshot.kdumpSavers.first(where: { $0.kind == kind }) { return service }
        return KdumpSaver(kind: kind, configFile: snapshot.kdump?.file, saveDirectory: snapshot.dumpDirectory, installed: true)
    }

    /// The `kdump-config` check: fails naming the option and the file when the dump target, KDUMP_NETCONFIG
    /// or a notification setting is malformed (so it is refused at load time, not at crash time); else says
    /// where the dump goes, the network of the capture boot and who is notified.
    static func configCheck(_ capture: KdumpCapture) -> PlanCheck {
        if let error = capture.configError { return PlanCheck(.kdumpConfig, .fail, error) }
        return PlanCheck(.kdumpConfig, .pass, capture.delivery?.summary ?? "no kdump configuration")
    }

    /// The `capture` check: passes when the next boot can find the dump, warns when it cannot.
    static func check(_ capture: KdumpCapture) -> PlanCheck {
        PlanCheck(.capture, capture.isTraceable ? .pass : .warn, capture.summary)
    }
}
