/// Decides which mounts hold data that must be quiesced, and in which order. (Stub: to be implemented.)
public enum MountClassifier {
    /// The read-write mounts that hold data (block-device and network file systems, bind mounts and
    /// overlays of them), excluding `/`, in a safe unmount order: children before parents.
    public static func mountsToUnmount(_ mounts: [MountEntry]) -> [MountEntry] { [] }
}
