import KexecCore
import LinuxSystem
/// One dump directory under the save directory, as `kreboot dumps` lists it.
public struct SavedDump: Codable, Sendable, Equatable {
    /// The directory.
    public var directory: String
    /// The vmcore file (`vmcore`, or `vmcore-incomplete` when saving did not finish, or another
    /// program's `dump.*`); nil when there is none.
    public var vmcore: String?
    /// The kernel log file, when there is one.
    public var dmesg: String?
    /// Whether kreboot saved it (the directory carries kreboot-dump.json).
    public var savedByKreboot: Bool
    /// Who saved it (`DumpLayout`): `kreboot`, `kdump-tools`, `kdump-utils` or `unknown`.
    public var savedBy: String?
    /// When it was saved (the manifest's time, else the directory's modification time), ISO 8601.
    public var savedAt: String
    /// The `--test-kdump` id it answers, if any.
    public var testID: String?
    /// Whether the vmcore is complete (renamed into place, not marked incomplete by makedumpfile).
    public var complete: Bool
    /// The vmcore's size in bytes.
    public var sizeBytes: UInt64?
    /// What the vmcore is; nil when it could not be read.
    public var info: VmcoreInfo?
    /// Why it could not be read, or what went wrong while saving.
    public var problem: String?
}
