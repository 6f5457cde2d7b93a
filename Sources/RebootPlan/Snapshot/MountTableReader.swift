/// Reads the mount table through libmount. (Stub: to be implemented.)
public enum MountTableReader {
    /// Reads `<root>/proc/self/mountinfo`, or `<root>/etc/mtab` where that is a regular file.
    /// Returns the entries in table order and the file read (target path).
    public static func read(root: RootDirectory) throws(RebootPlanError) -> (entries: [MountEntry], file: String) {
        ([], "/proc/self/mountinfo")
    }
}
