import KexecCore
import LinuxSystem

/// A kdump test's capture side, as the plan states it: who armed the capture kernel the panic boots (this
/// plan, kreboot before, or the distribution's kdump service), who saves the dump, and where to find it in
/// the next boot. kreboot does not load its own capture kernel over one another service armed: the test
/// verifies the capture the machine really has (`kreboot kdump stop` or the service's own stop first, to
/// test kreboot's).
public struct KdumpCapture: Codable, Sendable, Equatable {
    /// `kreboot`, `kdump-tools`, `kdump-utils`, `suse-kdump`, or `unknown` (loaded by something else).
    public var armedBy: String
    /// Whether the capture kernel was loaded before this plan (then the plan has no `loadCrash` step).
    public var loadedBefore: Bool
    /// Who saves the dump (`KdumpSaver.Kind`'s names, or `unknown`).
    public var savedBy: String
    /// Where the dump will be, as a local path; nil when unknown or remote.
    public var saveDirectory: String?
    /// How the dump is named there.
    public var layout: String?
    /// How kreboot's capture command line (the target's) was built; it is loaded only when `loadedBefore` is false.
    public var commandLineRule: String?
    /// Where the dump goes, the capture boot's network and who is notified (passwords masked); nil when the
    /// kdump configuration is malformed (`configError`).
    public var delivery: DumpDelivery?
    /// The malformed kdump configuration value, one line naming the option and the file (the `kdump-config` check).
    public var configError: String?

    public init(armedBy: String, loadedBefore: Bool, savedBy: String, saveDirectory: String?, layout: String?,
                commandLineRule: String? = nil) {
        self.armedBy = armedBy
        self.loadedBefore = loadedBefore
        self.savedBy = savedBy
        self.saveDirectory = saveDirectory
        self.layout = layout
        self.commandLineRule = commandLineRule
    }

    /// Whether the next boot can tell the dump apart (a known saver with a local save directory).
    public var isTraceable: Bool { savedBy != "unknown" && saveDirectory != nil }

    /// One line for the plan's `capture` check.
    public var summary: String {
        let who = loadedBefore ? "armed by \(armedBy) before this run (kreboot loads none over it)" : "loaded by this plan"
        guard let saveDirectory else {
            if let delivery, delivery.target.isRemote {
                let net = delivery.needsNetwork ? "needs the network (\(delivery.network.summary))" : "brings up no network (KDUMP_NETCONFIG is empty or none)"
                return "capture kernel \(who); the capture boot \(net) and \(savedBy) sends the dump to \(delivery.target); "
                    + "notifies \(delivery.notification); this machine cannot find a remote dump after the reboot"
            }
            return "capture kernel \(who); saved by \(savedBy), not to a local directory: the test cannot find the dump"
        }
        let found = savedBy == KdumpSaver.Kind.kreboot.rawValue ? "the test id it records" : "the test's marker in its dmesg"
        return "capture kernel \(who); dump saved by \(savedBy) as \(layout ?? saveDirectory), found by \(found)"
    }
}
