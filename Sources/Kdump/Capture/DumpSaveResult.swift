import KexecCore
import LinuxSystem
/// What `DumpSaver.save()` did.
public struct DumpSaveResult: Codable, Sendable, Equatable {
    /// The new dump directory (SAVEDIR/<date-time>).
    public var directory: String
    /// The vmcore written; nil for KDUMP_DUMPFORMAT=none.
    public var vmcore: String?
    /// dmesg.txt, when makedumpfile could extract the log.
    public var dmesg: String?
    public var format: String
    public var dumpLevel: Int
    /// The size estimate used for the free-space check (bytes), and where it came from
    /// (`mem-usage`, `vmcore-size`, `none`).
    public var estimateBytes: UInt64?
    public var estimateSource: String
    /// Bytes free before and after.
    public var availableBeforeBytes: UInt64?
    public var availableAfterBytes: UInt64?
    /// The pending test whose id was recorded in the dump.
    public var testID: String?
    /// Old dumps deleted by KDUMP_KEEP_OLD_DUMPS.
    public var rotated: [String]
    /// Things that went wrong without stopping the save (a dmesg that could not be extracted).
    public var warnings: [String]
    /// KDUMP_IMMEDIATE_REBOOT (default yes).
    public var immediateReboot: Bool
    /// The vmcore's size as written, when known (for the notification).
    public var vmcoreBytes: UInt64? = nil
}
