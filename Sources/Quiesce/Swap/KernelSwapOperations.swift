import LinuxSystem
import SystemPackage

/// The real `SwapOperations`: the swapoff(2) and swapon(2) system calls.
public struct KernelSwapOperations: SwapOperations {
    /// The real system calls.
    public init() {}

    /// The corresponding C function is `swapoff`.
    public func swapOff(path: String) throws(QuiesceError) {
        if case .failure(let errno) = LinuxSyscalls.swapOff(path) { throw Self.failure("swapoff \(path)", path, errno) }
    }

    /// The corresponding C function is `swapon`.
    public func swapOn(path: String) throws(QuiesceError) {
        if case .failure(let errno) = LinuxSyscalls.swapOn(path) { throw Self.failure("swapon \(path)", path, errno) }
    }

    private static func failure(_ operation: String, _ path: String, _ errno: Errno) -> QuiesceError {
        let detail = errno == .noMemory ? "not enough free memory for the swapped-out pages" : "\(errno)"
        return QuiesceError(QuiesceError.code(for: errno), operation: operation, path: path, errno: errno,
                            "\(operation): \(detail)")
    }
}
