/// The most bytes kreboot reads of one kind of file: past it, the read is an error naming the file and
/// the limit, never a silent cut.
public struct ReadLimit: Sendable, Equatable {
    /// What kind of file, for the message ("GRUB configuration").
    public var kind: String
    /// The cap in bytes.
    public var bytes: Int

    public init(_ kind: String, bytes: Int) {
        self.kind = kind
        self.bytes = bytes
    }

    /// grub.cfg and the files it sources: grub-mkconfig writes about 600 bytes per entry, so 100,000 entries
    /// fit (the parser keeps a bounded part of it, whatever its size).
    public static let grubConfig = ReadLimit("GRUB configuration", bytes: 64 << 20)
    /// A small configuration file: grubenv, a BLS entry, loader.conf, the kdump configuration.
    public static let configFile = ReadLimit("configuration file", bytes: 1 << 20)
    /// A file of /proc or /sys other than the mount table (/proc/iomem, /proc/meminfo, /proc/cmdline).
    public static let kernelFile = ReadLimit("kernel status file", bytes: 8 << 20)
    /// The mount table (/proc/self/mountinfo): 100,000 mounts fit in about 15 MiB.
    public static let mountTable = ReadLimit("mount table", bytes: 64 << 20)
    /// One of kreboot's own small records (last-reboot.json, kdump-test.json, state.json, a dump's manifest).
    public static let record = ReadLimit("record", bytes: 1 << 20)
    /// A run's request.json: the whole plan, with a step per mount (100,000 mounts fit in about 40 MiB).
    public static let runRequest = ReadLimit("run request", bytes: 64 << 20)
    /// Any other text file read whole.
    public static let textFile = ReadLimit("text file", bytes: 16 << 20)

    /// "16 MiB", "64 KiB" or "100 bytes".
    public var described: String {
        if bytes >= 1 << 20 && bytes % (1 << 20) == 0 { return "\(bytes >> 20) MiB" }
        if bytes >= 1 << 10 && bytes % (1 << 10) == 0 { return "\(bytes >> 10) KiB" }
        return "\(bytes) bytes"
    }
}
