/// Bounds on a mount table read from a file: a line longer than any the kernel writes is an error, so an
/// endless line never reaches libmount (whose line buffer grows without limit).
enum MountTableLimits {
    /// The longest line accepted: three escaped paths of PATH_MAX and the options fit in well under this.
    static let maxLineBytes = 64 << 10

    /// Throws naming the file and the line when a line is longer than `maxLineBytes`.
    static func check(_ bytes: [UInt8], file: String) throws(SystemError) {
        var lineStart = 0
        var line = 1
        for (index, byte) in bytes.enumerated() where byte == 0x0A {
            if index - lineStart > maxLineBytes { break }
            lineStart = index + 1
            line += 1
        }
        var end = bytes.count
        if let newline = bytes[lineStart...].firstIndex(of: 0x0A) { end = newline }
        if end - lineStart > maxLineBytes {
            throw SystemError(.badData, path: file,
                                  "\(file) is malformed: line \(line) is longer than \(maxLineBytes >> 10) KiB")
        }
    }
}
