extension Double {
    /// The value rounded to `digits` decimals, always with that many: `1.5.fixed(2)` is `1.50`.
    /// (String(format:) needs all of Foundation.)
    public func fixed(_ digits: Int) -> String {
        var scale = 1.0
        for _ in 0..<digits { scale *= 10 }
        let scaled = (abs(self) * scale).rounded()
        guard scaled.isFinite, scaled < 1e18 else { return "\(self)" }
        let units = Int64(scaled)
        let whole = units / Int64(scale)
        let sign = self < 0 && units != 0 ? "-" : ""
        guard digits > 0 else { return "\(sign)\(whole)" }
        let fraction = String(units % Int64(scale))
        return "\(sign)\(whole)." + String(repeating: "0", count: digits - fraction.count) + fraction
    }
}

extension String {
    /// The string with spaces after it up to `width` characters (unchanged when longer).
    public func rightPadded(to width: Int) -> String {
        count >= width ? self : self + String(repeating: " ", count: width - count)
    }

    /// The string with spaces before it up to `width` characters (unchanged when longer).
    public func leftPadded(to width: Int) -> String {
        count >= width ? self : String(repeating: " ", count: width - count) + self
    }
}
