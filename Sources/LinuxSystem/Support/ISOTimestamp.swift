import FoundationEssentials

/// Timestamps as kreboot's records hold them: ISO 8601 in UTC to the second, `2026-11-26T15:03:46Z`.
public enum ISOTimestamp {
    /// `date` (default: now) as `2026-11-26T15:03:46Z`.
    public static func string(from date: Date = Date()) -> String {
        date.formatted(Date.ISO8601FormatStyle())
    }

    /// The date of an ISO 8601 timestamp such as `2026-11-26T15:03:46Z`, or nil when it is not one.
    public static func date(from text: String) -> Date? {
        try? Date.ISO8601FormatStyle().parse(text)
    }
}
