import KexecCore
import LinuxSystem
/// Finds the boot loader configuration a system boots with and its entries: GRUB2's grub.cfg when there
/// is one (with Fedora's `blscfg` pulling in BLS entries), else Boot Loader Spec entries (systemd-boot),
/// else the /boot/vmlinuz-style symlinks. When the `LoaderInfo` EFI variable says systemd-boot started
/// the system, its BLS entries win over a grub.cfg. Reading never throws: problems are collected in the result.
public enum BootLoaderReader {
    /// Reads GRUB2, BLS and the /boot symlinks under `root`. `mounts` resolves GRUB and BLS paths on a
    /// separate /boot (or ESP) partition; when it is empty, paths are checked for existence instead.
    /// `machineID` is accepted for the planner's sake; systemd's BLS order itself uses each entry's own
    /// `machine-id` key, not the running machine's.
    public static func read(root: RootDirectory, mounts: [MountEntry], machineID: String?) -> BootLoaderDiscovery {
        var problems: [String] = []
        let resolver = BootPathResolver(root: root, mounts: mounts)
        let symlink = BootSymlinkReader.read(root: root, problems: &problems)

        // systemd-boot says so in the LoaderInfo EFI variable: then its entries count even when a grub.cfg is left over.
        let bootedBySystemdBoot = LoaderConf.efiVariable("LoaderInfo", root: root)?.hasPrefix("systemd-boot") ?? false
        if let configFile = GrubReader.configFile(root: root), !(bootedBySystemdBoot && BLSReader.hasEntryFiles(root: root)) {
            var grub = GrubReader.read(root: root, configFile: configFile, resolver: resolver)
            var entries = grub.entries  // moved, not copied: 100,000 entries are not held twice
            grub.entries = []
            if let symlink { entries.append(symlink) }
            return BootLoaderDiscovery(entries: entries,
                                       defaultIndex: grub.defaultIndex, defaultRule: grub.rule,
                                       configFile: grub.configFile, kind: .grub, problems: problems + grub.problems,
                                       oneTimeEntryFile: grub.oneTimeEntryFile)
        }
        if BLSReader.hasEntryFiles(root: root) {
            var discovery = SystemdBootChooser.choose(root: root, resolver: resolver, problems: &problems)
            if let symlink { discovery.entries.append(symlink) }
            discovery.problems = problems
            return discovery
        }
        if let symlink {
            return BootLoaderDiscovery(entries: [symlink], defaultIndex: 0,
                                       defaultRule: "symlink \(symlink.title) (no grub.cfg and no BLS entries)",
                                       configFile: symlink.file, kind: .symlink, problems: problems)
        }
        return BootLoaderDiscovery(defaultRule: "no boot loader configuration found (no grub.cfg, no loader/entries, no /boot/vmlinuz)",
                                   problems: problems)
    }

    /// The boot loader's entries and default for the system under `root`, reading its mount table (a separate
    /// /boot) and machine id as the snapshot does: what `kreboot entries` lists.
    public static func read(root: RootDirectory) -> BootLoaderDiscovery {
        let mounts = (try? MountTableReader.read(root: root).entries) ?? []
        return read(root: root, mounts: mounts, machineID: root.readLine("/etc/machine-id"))
    }
}
