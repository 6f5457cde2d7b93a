internal import CLinuxSyscalls
import SystemPackage

/// The swap system calls.
public enum SwapSyscalls {
    /// Turns the swap area at `path` off. The corresponding C function is `swapoff`.
    public static func swapOff(_ path: String) -> Result<Void, Errno> {
        let rc = cl_swapoff(path)
        return rc == 0 ? .success(()) : .failure(Errno(rawValue: -rc))
    }

    /// Turns the swap area at `path` on. The corresponding C function is `swapon`.
    public static func swapOn(_ path: String) -> Result<Void, Errno> {
        let rc = cl_swapon(path)
        return rc == 0 ? .success(()) : .failure(Errno(rawValue: -rc))
    }
}
