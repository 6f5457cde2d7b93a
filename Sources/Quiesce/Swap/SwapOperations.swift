import LinuxSystem

/// Turns swap areas off and on again. The real implementation is `KernelSwapOperations` (swapoff(2),
/// swapon(2)); a recording fake stands in unit tests.
public protocol SwapOperations: Sendable {
    /// Turns the swap area at `path` off: its pages move back into memory (`swapoff PATH`).
    func swapOff(path: String) throws(QuiesceError)
    /// Turns it on again, for a rollback (`swapon PATH`).
    func swapOn(path: String) throws(QuiesceError)
}
