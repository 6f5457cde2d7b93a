/// rpm's `rpmvercmp()` as the blscfg module of Fedora's and RHEL's GRUB carries it (`vercmp`): the strings are
/// compared segment by segment, each a run of digits (numerically, more digits newer) or of letters (bytewise),
/// other characters only separating; `~` sorts before everything, a numeric segment is newer than an alphabetic one,
/// and when all segments agree the string with characters left over is newer.
enum RPMVersionComparison {
    /// Positive when `a` is newer than `b`, zero when equal, negative when older.
    static func compare(_ a: String, _ b: String) -> Int {
        if a == b { return 0 }
        let x = Array(a.utf8), y = Array(b.utf8)
        var i = 0, j = 0
        func at(_ s: [UInt8], _ k: Int) -> UInt8 { k < s.count ? s[k] : 0 }
        func isDigit(_ c: UInt8) -> Bool { c >= 48 && c <= 57 }
        func isAlpha(_ c: UInt8) -> Bool { (c >= 65 && c <= 90) || (c >= 97 && c <= 122) }
        let tilde = UInt8(ascii: "~")
        while at(x, i) != 0 || at(y, j) != 0 {
            while at(x, i) != 0 && !isDigit(at(x, i)) && !isAlpha(at(x, i)) && at(x, i) != tilde { i += 1 }
            while at(y, j) != 0 && !isDigit(at(y, j)) && !isAlpha(at(y, j)) && at(y, j) != tilde { j += 1 }
            if at(x, i) == tilde || at(y, j) == tilde {
                if at(x, i) != tilde { return 1 }
                if at(y, j) != tilde { return -1 }
                i += 1; j += 1
                continue
            }
            if at(x, i) == 0 || at(y, j) == 0 { break }
            var ii = i, jj = j
            let numeric = isDigit(at(x, i))
            if numeric {
                while isDigit(at(x, ii)) { ii += 1 }
                while isDigit(at(y, jj)) { jj += 1 }
            } else {
                while isAlpha(at(x, ii)) { ii += 1 }
                while isAlpha(at(y, jj)) { jj += 1 }
            }
            if jj == j { return numeric ? 1 : -1 }
            var left = x[i..<ii], right = y[j..<jj]
            if numeric {
                left = left.drop { $0 == 48 }
                right = right.drop { $0 == 48 }
                if left.count != right.count { return left.count > right.count ? 1 : -1 }
            }
            if left != right { return left.lexicographicallyPrecedes(right) ? -1 : 1 }
            i = ii; j = jj
        }
        if at(x, i) == 0 && at(y, j) == 0 { return 0 }
        return at(x, i) == 0 ? -1 : 1
    }
}
