import KexecCore
import LinuxSystem
/// systemd's `strverscmp_improved()` (src/fundamental/string-util-fundamental.c): compares version-like
/// strings segment by segment, treating `~` (pre-release, oldest), `-` (release separator), `^` (patched
/// release) and `.` (point release) specially. systemd-boot and bootctl sort boot entries with it.
enum SystemdVersionComparison {
    /// Negative when `a` is older than `b`, zero when equivalent, positive when newer. nil counts as "".
    static func compare(_ a: String?, _ b: String?) -> Int {
        let x = Array((a ?? "").utf8), y = Array((b ?? "").utf8)
        var i = 0, j = 0
        func at(_ s: [UInt8], _ k: Int) -> UInt8 { k < s.count ? s[k] : 0 }
        func cmp<T: Comparable>(_ l: T, _ r: T) -> Int { l < r ? -1 : (l > r ? 1 : 0) }
        while true {
            while at(x, i) != 0 && !isVersionChar(at(x, i)) { i += 1 }
            while at(y, j) != 0 && !isVersionChar(at(y, j)) { j += 1 }

            if at(x, i) == UInt8(ascii: "~") || at(y, j) == UInt8(ascii: "~") {
                let r = cmp(at(x, i) != UInt8(ascii: "~") ? 1 : 0, at(y, j) != UInt8(ascii: "~") ? 1 : 0)
                if r != 0 { return r }
                i += 1; j += 1
            }
            if at(x, i) == 0 || at(y, j) == 0 { return cmp(at(x, i), at(y, j)) }

            for separator in ["-", "^", "."].map({ UInt8(ascii: Unicode.Scalar($0)!) }) {
                if at(x, i) == separator || at(y, j) == separator {
                    let r = cmp(at(x, i) != separator ? 1 : 0, at(y, j) != separator ? 1 : 0)
                    if r != 0 { return r }
                    i += 1; j += 1
                }
            }

            var ii = i, jj = j
            if isDigit(at(x, i)) || isDigit(at(y, j)) {
                while isDigit(at(x, ii)) { ii += 1 }
                while isDigit(at(y, jj)) { jj += 1 }
                let r = cmp(ii != i ? 1 : 0, jj != j ? 1 : 0)
                if r != 0 { return r }
                while at(x, i) == UInt8(ascii: "0") { i += 1 }
                while at(y, j) == UInt8(ascii: "0") { j += 1 }
                let lengths = cmp(ii - i, jj - j)
                if lengths != 0 { return lengths }
                let left = x[i..<ii], right = y[j..<jj]
                if left != right { return left.lexicographicallyPrecedes(right) ? -1 : 1 }
            } else {
                while isAlpha(at(x, ii)) { ii += 1 }
                while isAlpha(at(y, jj)) { jj += 1 }
                let n = min(ii - i, jj - j)
                let left = x[i..<i + n], right = y[j..<j + n]
                if left != right { return left.lexicographicallyPrecedes(right) ? -1 : 1 }
                let lengths = cmp(ii - i, jj - j)
                if lengths != 0 { return lengths }
            }
            i = ii; j = jj
        }
    }

    private static func isDigit(_ c: UInt8) -> Bool { c >= 48 && c <= 57 }
    private static func isAlpha(_ c: UInt8) -> Bool { (c >= 65 && c <= 90) || (c >= 97 && c <= 122) }
    private static func isVersionChar(_ c: UInt8) -> Bool {
        isDigit(c) || isAlpha(c) || c == UInt8(ascii: "~") || c == UInt8(ascii: "-") || c == UInt8(ascii: "^") || c == UInt8(ascii: ".")
    }
}
