/// Reads the kdump configuration (/etc/sysconfig/kdump, /etc/default/kdump-tools). (Stub: to be implemented.)
public enum KdumpConfigReader {
    public static func read(root: RootDirectory) -> KdumpConfig? { nil }
}
