/// Reads the kexec-related kernel state under a root. (Stub: to be implemented.)
public enum KernelStateReader {
    public static func read(root: RootDirectory) -> KernelState { KernelState() }
}
