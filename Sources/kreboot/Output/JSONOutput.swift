import LinuxSystem
import Kdump
import RebootPlan
import KexecCore
import Quiesce
import Execution
import FoundationEssentials

/// Encodes results as the JSON kreboot prints: pretty, sorted keys, slashes unescaped.
enum JSONOutput {
    static func string<T: Encodable>(_ value: T) throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        return String(decoding: try encoder.encode(value), as: UTF8.self)
    }

    static func print<T: Encodable>(_ value: T) throws {
        Swift.print(try string(value))
    }
}
