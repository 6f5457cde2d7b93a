/// What kexec-tools reads about the running kernel to describe its memory to a capture kernel when it loads one
/// through kexec_load: some symbols' addresses in /proc/kallsyms and whether /proc/kcore can be read.
public struct KernelSymbols: Codable, Sendable, Equatable {
    /// The symbols asked for that /proc/kallsyms lists with a non-zero address (zeros mean kptr_restrict hides them).
    public var found: Set<String>
    /// Whether /proc/kallsyms could be read at all.
    public var kallsymsReadable: Bool
    /// Whether /proc/kallsyms listed addresses as zeros (kptr_restrict, or not root).
    public var addressesHidden: Bool
    /// Whether /proc/kcore exists and can be opened for reading (CONFIG_PROC_KCORE).
    public var kcoreReadable: Bool

    public init(found: Set<String>, kallsymsReadable: Bool, addressesHidden: Bool = false, kcoreReadable: Bool) {
        self.found = found
        self.kallsymsReadable = kallsymsReadable
        self.addressesHidden = addressesHidden
        self.kcoreReadable = kcoreReadable
    }
}

/// Reads `KernelSymbols` under a root.
public enum KernelSymbolsReader {
    /// The symbols kexec-tools looks up for a capture kernel on any architecture it supports.
    public static let captureSymbols: Set<String> = ["_text", "_stext", "__init_begin"]

    /// Looks for `names` in /proc/kallsyms under `root` and checks /proc/kcore.
    public static func read(root: RootDirectory, names: Set<String> = captureSymbols) -> KernelSymbols {
        let kcore = root.exists("/proc/kcore") && root.isReadable("/proc/kcore")
        // The core kernel's symbols come first; 16 MiB holds them (the modules' follow and may be cut off).
        guard let bytes = root.readBytes("/proc/kallsyms", limit: 16 << 20) else {
            return KernelSymbols(found: [], kallsymsReadable: false, kcoreReadable: kcore)
        }
        var parsed = parse(bytes: bytes, names: names)
        parsed.kcoreReadable = kcore
        return parsed
    }

    /// The lines `ADDRESS TYPE NAME [module]` of kallsyms: which of `names` have a non-zero address.
    public static func parse(_ text: String, names: Set<String>) -> KernelSymbols {
        parse(bytes: Array(text.utf8), names: names)
    }

    /// `parse` on the file's bytes: a line's third field is compared as bytes and only a wanted name's address
    /// is decoded (kallsyms has over 100,000 lines; splitting each into Strings took 0.3 s natively).
    static func parse(bytes: [UInt8], names: Set<String>) -> KernelSymbols {
        let wanted = Set(names.map { Array($0.utf8) })
        var found: Set<String> = []
        var zeros = false
        var lineStart = 0
        while lineStart < bytes.count {
            var lineEnd = lineStart
            while lineEnd < bytes.count && bytes[lineEnd] != UInt8(ascii: "\n") { lineEnd += 1 }
            var fields: [Range<Int>] = []
            var index = lineStart
            while index < lineEnd && fields.count < 3 {
                while index < lineEnd && (bytes[index] == UInt8(ascii: " ") || bytes[index] == UInt8(ascii: "\t")) { index += 1 }
                let start = index
                while index < lineEnd && bytes[index] != UInt8(ascii: " ") && bytes[index] != UInt8(ascii: "\t") { index += 1 }
                if index > start { fields.append(start..<index) }
            }
            if fields.count == 3, wanted.contains(Array(bytes[fields[2]])) {
                let name = String(decoding: bytes[fields[2]], as: UTF8.self)
                if let address = UInt64(String(decoding: bytes[fields[0]], as: UTF8.self), radix: 16), address != 0 {
                    found.insert(name)
                } else {
                    zeros = true
                }
            }
            lineStart = lineEnd + 1
        }
        return KernelSymbols(found: found, kallsymsReadable: true, addressesHidden: zeros && found.isEmpty, kcoreReadable: false)
    }
}
