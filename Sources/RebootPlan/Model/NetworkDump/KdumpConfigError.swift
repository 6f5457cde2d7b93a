import LinuxSystem

/// A kdump configuration value kreboot refuses: which option of which file, and why, in one line.
/// The CLI reports it as a configuration error (exit 78, EX_CONFIG) when the capture kernel is loaded or
/// planned, so a bad target never surfaces only at crash time. The message never contains a password.
public struct KdumpConfigError: Error, Sendable, Equatable, Codable, CustomStringConvertible {
    /// The configuration file (target path).
    public var file: String
    /// The option (`KDUMP_SAVEDIR`, `SSH`, `nfs`, `KDUMP_NETCONFIG` …).
    public var option: String
    /// Why the value is refused (no secret in it).
    public var reason: String

    /// Control characters in any part (a value quoted in `reason` that holds a line break, an option name
    /// read from a hostile file) are written as `\n`, `\t` or `\u{…}`, so the message stays one line.
    public init(file: String, option: String, reason: String) {
        self.file = Self.oneLine(file)
        self.option = Self.oneLine(option)
        self.reason = Self.oneLine(reason)
    }

    static func oneLine(_ text: String) -> String { OneLineText.escape(text) }

    /// `FILE: OPTION: REASON`.
    public var message: String { "\(file): \(option): \(reason)" }
    public var description: String { message }
}
