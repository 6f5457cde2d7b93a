import FoundationEssentials
import KexecCore
import LinuxSystem

/// Whether `kreboot kdump reload` must unload and load again: the capture kernel the configuration asks
/// for now against the one recorded in /run/kreboot/state.json. Pure: file times come in as values.
public struct KdumpReloadDecision: Sendable, Equatable {
    /// Why a reload is needed; empty when the loaded capture kernel is up to date.
    public var reasons: [String]

    /// Whether to reload.
    public var needed: Bool { !reasons.isEmpty }

    /// Compares `desired` with `recorded` (kreboot's record of the loaded capture kernel, nil when none) given
    /// whether the kernel says a capture kernel is loaded and when each file was last modified
    /// (`modified`: kernel, initrds, configuration file; a missing entry is not compared).
    public init(desired: KexecImage, recorded: KexecLoadRecord?, crashLoaded: Bool?, modified: [String: Date]) {
        var reasons: [String] = []
        guard crashLoaded == true else {
            self.reasons = ["no capture kernel is loaded"]
            return
        }
        guard let recorded else {
            self.reasons = ["the loaded capture kernel was not loaded by kreboot"]
            return
        }
        if recorded.kernel != desired.kernel { reasons.append("kernel \(recorded.kernel) → \(desired.kernel)") }
        if recorded.initrds != desired.initrds {
            reasons.append("initrd \(Self.list(recorded.initrds)) → \(Self.list(desired.initrds))")
        }
        if recorded.commandLine != desired.commandLine { reasons.append("command line changed") }
        if let loadedAt = ISOTimestamp.date(from: recorded.loadedAt) {
            for (path, date) in modified.sorted(by: { $0.key < $1.key }) where date > loadedAt {
                reasons.append("\(path) changed after the load")
            }
        }
        self.reasons = reasons
    }

    private static func list(_ paths: [String]) -> String { paths.isEmpty ? "(none)" : paths.joined(separator: " + ") }
}
