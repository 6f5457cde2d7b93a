import KexecCore
import LinuxSystem

/// Mounts a network file system for `MountedDumpTransport`; behind a protocol so tests see the mount
/// request (and that the password is in the data only) without mounting anything.
public protocol DumpMounter {
    /// The server's address for the kernel's `addr=`/`ip=` option (the kernel clients do not resolve names).
    func resolve(_ host: String) throws(KexecError) -> String
    func mount(source: String, type: String, target: String, data: String) throws(KexecError)
    func unmount(_ target: String)
}

/// The real mounter: getaddrinfo(3) and mount(2) (`KernelMount`).
public struct SystemDumpMounter: DumpMounter {
    public init() {}

    public func resolve(_ host: String) throws(KexecError) -> String {
        guard let address = HostAddress.resolve(host) else {
            throw KexecError(.unavailable, operation: "save-dump", path: host, "\(host): cannot resolve the dump server's address")
        }
        return address
    }

    public func mount(source: String, type: String, target: String, data: String) throws(KexecError) {
        do { try KernelMount.mount(source: source, type: type, target: target, data: data) } catch {
            throw KexecError(operation: "save-dump", error)
        }
    }

    public func unmount(_ target: String) { try? KernelMount.unmount(target) }
}
