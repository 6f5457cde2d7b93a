import FoundationEssentials
import Kdump
import KexecCore
import LinuxSystem
import RebootPlan

/// kreboot's records of a run, written while `/` is still writable: the reboot record that the next boot
/// verifies, or the pending kdump test whose id the capture kernel stores with the dump.
public protocol RunRecords: Sendable {
    /// Writes the record for `plan` before anything is done; returns the kdump test's id for a kdump test.
    func begin(_ plan: RebootPlan) throws -> String?
    /// Marks the run's record rolled back, with the reason.
    func rolledBack(_ plan: RebootPlan, kdumpTestID: String?, reason: String)
}

/// The real records under /var/lib/kreboot.
public struct SystemRunRecords: RunRecords {
    public init() {}

    public func begin(_ plan: RebootPlan) throws -> String? {
        guard let target = plan.target else { return nil }
        switch plan.mode {
        case .reboot:
            let root = RootDirectory()
            try RebootRecord(fromBootID: root.readLine("/proc/sys/kernel/random/boot_id") ?? "unknown",
                             fromRelease: root.readLine("/proc/sys/kernel/osrelease"), kernel: target.kernel,
                             expectedRelease: target.release, expectedCommandLine: target.commandLine).write()
            return nil
        case .kdumpTest:
            let record = KdumpTestRecord.pending(release: target.release, capture: plan.capture)
            try record.write()
            return record.id
        }
    }

    public func rolledBack(_ plan: RebootPlan, kdumpTestID: String?, reason: String) {
        switch plan.mode {
        case .reboot:
            RebootRecord.markRolledBack(reason)
        case .kdumpTest:
            guard let kdumpTestID else { return }
            let failed = KdumpTestRecord(id: kdumpTestID, time: ISOTimestamp.string(), release: plan.target?.release,
                                         state: .failed, message: "rolled back before the panic: \(reason)",
                                         savedBy: plan.capture?.savedBy, saveDirectory: plan.capture?.saveDirectory)
            try? failed.write()
        }
    }
}
