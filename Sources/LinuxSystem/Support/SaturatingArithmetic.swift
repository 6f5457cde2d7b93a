extension UInt64 {
    /// `self + other`, or `UInt64.max` where that overflows: for totals of sizes read from /proc, where an
    /// impossible sum must not trap and the largest value reads as "more than anything".
    public func saturatingAdd(_ other: UInt64) -> UInt64 {
        let (sum, overflow) = addingReportingOverflow(other)
        return overflow ? .max : sum
    }

    /// `self * other`, or nil where that overflows.
    public func checkedMultiply(_ other: UInt64) -> UInt64? {
        let (product, overflow) = multipliedReportingOverflow(by: other)
        return overflow ? nil : product
    }
}
