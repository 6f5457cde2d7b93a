import KexecCore
import LinuxSystem
/// A kernel command line as a list of parameters, split the way the kernel does
/// (whitespace separates, double quotes group).
public struct KernelCommandLine: Sendable, Equatable, CustomStringConvertible {
    public var parameters: [String]

    public init(_ text: String) {
        var params: [String] = []
        var current = ""
        var inQuotes = false
        var started = false
        for ch in text {
            if ch == "\"" { inQuotes.toggle(); current.append(ch); started = true; continue }
            if !inQuotes && (ch == " " || ch == "\t" || ch == "\n" || ch == "\r") {
                if started { params.append(current); current = ""; started = false }
                continue
            }
            current.append(ch)
            started = true
        }
        if started { params.append(current) }
        parameters = params
    }

    public init(parameters: [String]) { self.parameters = parameters }

    public var description: String { parameters.joined(separator: " ") }

    /// The parameter's key: `root` for `root=/dev/sda1`, `quiet` for `quiet`.
    public static func key(of parameter: String) -> String {
        String(parameter.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false).first ?? "")
    }

    /// Without the parameters whose key is in `keys`.
    public func removing(keys: Set<String>) -> KernelCommandLine {
        KernelCommandLine(parameters: parameters.filter { !keys.contains(Self.key(of: $0)) })
    }

    /// With `other`'s parameters appended.
    public func appending(_ other: String?) -> KernelCommandLine {
        guard let other, !other.isEmpty else { return self }
        return KernelCommandLine(parameters: parameters + KernelCommandLine(other).parameters)
    }

    /// The running kernel's command line as `--reuse-cmdline` uses it: without `BOOT_IMAGE=` and `initrd=`,
    /// which belong to the boot loader that started the running kernel.
    public var reusable: KernelCommandLine { removing(keys: ["BOOT_IMAGE", "initrd"]) }

    /// The parameters added and removed going from `old` to `self` (multiset difference, order kept).
    public func change(from old: KernelCommandLine) -> RebootPlan.CommandLineChange {
        var remaining = old.parameters
        var added: [String] = []
        for p in parameters {
            if let i = remaining.firstIndex(of: p) { remaining.remove(at: i) } else { added.append(p) }
        }
        return RebootPlan.CommandLineChange(added: added, removed: remaining)
    }
}
