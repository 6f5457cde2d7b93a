/// Finds the boot loader configuration a system boots with and its entries. (Stub: to be implemented.)
public enum BootLoaderReader {
    /// Reads GRUB2, BLS and the /boot symlinks under `root`. `mounts` resolves GRUB paths on a separate
    /// /boot partition; `machineID` takes part in BLS sorting.
    public static func read(root: RootDirectory, mounts: [MountEntry], machineID: String?) -> BootLoaderDiscovery {
        BootLoaderDiscovery()
    }
}
