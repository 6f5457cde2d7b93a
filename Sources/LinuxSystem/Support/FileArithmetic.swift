/// Checked arithmetic on numbers read from a file: an overflow, or a number too large for what it is used
/// for, is an error naming the file and the field (exit 65), never a trap.
public enum FileArithmetic {
    /// `a + b`, or an error naming `file` and `field`.
    public static func add(_ a: UInt64, _ b: UInt64, file: String, field: String) throws(SystemError) -> UInt64 {
        let (sum, overflow) = a.addingReportingOverflow(b)
        guard !overflow else { throw impossible(file: file, field: field, "\(a) + \(b) overflows 64 bits") }
        return sum
    }

    /// `a * b`, or an error naming `file` and `field`.
    public static func multiply(_ a: UInt64, _ b: UInt64, file: String, field: String) throws(SystemError) -> UInt64 {
        let (product, overflow) = a.multipliedReportingOverflow(by: b)
        guard !overflow else { throw impossible(file: file, field: field, "\(a) × \(b) overflows 64 bits") }
        return product
    }

    /// `value` as an `Int` (a count or an offset into memory), or an error naming `file` and `field`.
    public static func int(_ value: UInt64, file: String, field: String) throws(SystemError) -> Int {
        guard let converted = Int(exactly: value) else { throw impossible(file: file, field: field, "\(value) is too large") }
        return converted
    }

    /// The error for an impossible value: "FILE: impossible FIELD: WHY".
    public static func impossible(file: String, field: String, _ why: String) -> SystemError {
        SystemError(.badData, path: file, "\(file): impossible \(field): \(why)")
    }
}
