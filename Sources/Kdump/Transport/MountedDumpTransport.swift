import KexecCore
import LinuxSystem
import RebootPlan

/// An NFS or CIFS target through the kernel's own client: mounted with mount(2) (`DumpMounter`) on
/// `mountPoint`, written through `LocalDumpTransport` there (incomplete names, fsync, rename — and so
/// KDUMP_KEEP_OLD_DUMPS and the free-space rules of a local save apply on the server's file system), and
/// unmounted by `finish`.
///
/// - NFS: `host:/path`, options `soft,timeo=100,retrans=3` (a dead server fails the save in bounded time
///   instead of hanging the capture boot; Debian's NFS_TIMEO/NFS_RETRANS replace them), `addr=` the resolved
///   address, `port=` when the URL names one.
/// - CIFS: `//host/share`, options `unc=`, `ip=`, `username=`/`password=` (commas doubled, as the kernel's
///   option parser wants) or `guest`; the credentials live in the mount data only, never on a command line.
public struct MountedDumpTransport: DumpTransport {
    public var target: DumpTarget
    public var mountPoint: String
    public var mounter: any DumpMounter

    public init(target: DumpTarget, mountPoint: String = "/run/kreboot/dump-target", mounter: any DumpMounter = SystemDumpMounter()) {
        self.target = target
        self.mountPoint = mountPoint
        self.mounter = mounter
    }

    public var summary: String { "\(target) on \(mountPoint)" }

    /// The mount(2) arguments for `target`, with the server at `address`.
    public static func mountRequest(_ target: DumpTarget, address: String) throws(KexecError) -> (source: String, type: String, data: String, below: String) {
        let host = target.hostForURL ?? ""
        let port = target.port.map { ",port=\($0)" } ?? ""
        switch target.scheme {
        case .nfs:
            var options = ["soft", "timeo=100", "retrans=3"]
            for option in target.mountOptions {
                let key = option.split(separator: "=").first.map(String.init) ?? option
                options.removeAll { $0.hasPrefix(key + "=") }
                options.append(option)
            }
            return ("\(host):\(target.path)", "nfs", "vers=4.2," + options.joined(separator: ",") + ",addr=\(address)" + port, "")
        case .cifs:
            let (share, directory) = target.cifsShareAndDirectory
            var data = "unc=\\\\\(target.host ?? "")\\\(share),ip=\(address)" + port
            if let user = target.user {
                guard !user.contains(",") else {
                    throw KexecError(.unavailable, operation: "save-dump", path: target.option, "\(target): a cifs user name with a comma cannot be passed to the kernel")
                }
                data += ",username=\(user)"
                if let password = target.transportPassword() { data += ",password=" + password.replacing(",", with: ",,") }
            } else {
                data += ",guest"
            }
            return ("//\(host)/\(share)", "cifs", data, directory == "/" ? "" : String(directory.dropFirst()))
        default:
            throw KexecError(.unavailable, operation: "save-dump", path: target.option, "\(target): not a mounted protocol")
        }
    }

    public func prepare(directory: String) throws(KexecError) {
        let address = try mounter.resolve(target.host ?? "")
        let request = try Self.mountRequest(target, address: address)
        try DumpFiles.makeDirectories(mountPoint, operation: "save-dump")
        try mounter.mount(source: request.source, type: request.type, target: mountPoint, data: request.data)
        try local(below: request.below).prepare(directory: directory)
    }

    public func begin(directory: String, name: String) throws(KexecError) -> any DumpUpload {
        let below = (try? Self.mountRequest(target, address: "")).map(\.below) ?? ""
        return try local(below: below).begin(directory: directory, name: name)
    }

    public func finish() { mounter.unmount(mountPoint) }

    /// The local transport on the mounted directory (`below` the share's root for CIFS).
    func local(below: String) -> LocalDumpTransport {
        LocalDumpTransport(root: below.isEmpty ? mountPoint : mountPoint + "/" + below)
    }

    /// The directory on this machine the dump goes into once mounted.
    public var localDirectory: String {
        let below = (try? Self.mountRequest(target, address: "")).map(\.below) ?? ""
        return local(below: below).root
    }
}
