import LinuxSystem
import Kdump
import RebootPlan
import KexecCore
import Quiesce
import Execution
#if canImport(Glibc)
import Glibc
#endif

/// Writing to stdout (results) and stderr (progress, errors).
enum Terminal {
    /// Writes a line to stderr prefixed with `kreboot: `.
    static func error(_ message: String) {
        writeStderr("kreboot: \(message)\n")
    }

    /// Writes text to stderr as is.
    static func writeStderr(_ text: String) {
        var bytes = Array(text.utf8)
        bytes.withUnsafeMutableBytes { buf in
            var offset = 0
            while offset < buf.count {
                let n = write(2, buf.baseAddress! + offset, buf.count - offset)
                if n <= 0 { if errno == EINTR { continue } else { break } }
                offset += n
            }
        }
    }

    /// Whether stdout is a terminal.
    static var stdoutIsTerminal: Bool { isatty(1) == 1 }
    /// Whether stdin is a terminal.
    static var stdinIsTerminal: Bool { isatty(0) == 1 }
}
