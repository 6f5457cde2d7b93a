import KexecCore
import RebootPlan

/// Picks the `DumpTransport` for a `DumpTarget`.
public enum DumpTransports {
    /// Local directories (under `hostRoot` for tests), NFS and CIFS mounted, sftp over OpenSSH, ftp through
    /// libcurl.
    public static func make(for target: DumpTarget, hostPath: (String) -> String = { $0 },
                            mounter: any DumpMounter = SystemDumpMounter()) throws(KexecError) -> any DumpTransport {
        switch target.scheme {
        case .file: return LocalDumpTransport(root: hostPath(target.path))
        case .nfs, .cifs: return MountedDumpTransport(target: target, mountPoint: hostPath("/run/kreboot/dump-target"), mounter: mounter)
        case .sftp: return SftpDumpTransport(target: target)
        case .ftp: return FtpDumpTransport(target: target)
        }
    }
}
