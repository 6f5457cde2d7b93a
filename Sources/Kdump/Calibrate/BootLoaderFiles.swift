import LinuxSystem

/// What `kreboot calibrate --apply` reads of the boot loader's configuration under a root: GRUB's defaults
/// and drop-ins, /etc/kernel/cmdline, the Boot Loader Spec entries, kreboot's record of what it applied, and
/// which grub.cfg generator is installed. Paths are as that system sees them; contents nil when absent.
public struct BootLoaderFiles: Sendable, Equatable {
    /// GRUB's defaults file.
    public static let grubDefaults = "/etc/default/grub"
    /// GRUB's drop-in directory (Debian's grub-mkconfig sources `*.cfg` there).
    public static let grubDropInDirectory = "/etc/default/grub.d"
    /// kreboot's drop-in.
    public static let krebootDropIn = "/etc/default/grub.d/kreboot.cfg"
    /// The command line kernel-install gives new BLS entries.
    public static let kernelCmdline = "/etc/kernel/cmdline"
    /// What kreboot added to BLS entries (removed again by `--remove`).
    public static let appliedRecord = "/var/lib/kreboot/crashkernel-applied"
    /// Where GRUB's environment block may be (RHEL 8's BLS entries take `options $kernelopts` from it).
    public static let grubEnvironmentCandidates = ["/boot/grub2/grubenv", "/boot/grub/grubenv"]
    /// Where BLS entries live.
    public static let entryDirectories = ["/boot/loader/entries", "/boot/efi/loader/entries", "/efi/loader/entries"]

    /// Contents by path: GRUB's defaults, each drop-in, /etc/kernel/cmdline, kreboot's record.
    public var files: [String: String]
    /// The BLS entry files found (paths), sorted.
    public var entries: [String]
    /// The grub.cfg generator to run, as argv; nil when none is installed.
    public var generator: [String]?
    /// The grubenv found (the file itself, a symlink such as /boot/grub2/grubenv → ../efi/EFI/centos/grubenv
    /// followed), its text in `files`; nil when there is none.
    public var grubEnvironment: String?
    /// Whether grub-mkconfig sources /etc/default/grub.d/*.cfg after /etc/default/grub: a Debian/Ubuntu
    /// addition, absent from upstream GRUB as Arch, openSUSE and Fedora ship it. Read from the installed
    /// grub-mkconfig (or grub2-mkconfig); without one, whether Debian's update-grub or /etc/default/grub.d exists.
    public var grubReadsDropIns: Bool

    public init(files: [String: String] = [:], entries: [String] = [], generator: [String]? = nil,
                grubEnvironment: String? = nil, grubReadsDropIns: Bool = true) {
        self.files = files
        self.entries = entries
        self.generator = generator
        self.grubEnvironment = grubEnvironment
        self.grubReadsDropIns = grubReadsDropIns
    }

    /// The drop-ins under /etc/default/grub.d (`*.cfg`) present, sorted.
    public var dropIns: [String] {
        files.keys.filter { $0.hasPrefix(Self.grubDropInDirectory + "/") }.sorted()
    }

    /// Reads them under `root` through the gateway.
    public static func read(root: RootDirectory) -> BootLoaderFiles {
        var result = BootLoaderFiles()
        func load(_ path: String) {
            if let text = (try? root.readFileText(path, limit: .configFile)) ?? nil { result.files[path] = text }
        }
        load(grubDefaults)
        load(kernelCmdline)
        load(appliedRecord)
        for name in root.listDirectory(grubDropInDirectory).sorted() where name.hasSuffix(".cfg") {
            load(grubDropInDirectory + "/" + name)
        }
        for dir in entryDirectories {
            for name in root.listDirectory(dir).sorted() where name.hasSuffix(".conf") {
                let path = dir + "/" + name
                load(path)
                if result.files[path] != nil { result.entries.append(path) }
            }
        }
        for candidate in grubEnvironmentCandidates {
            let (real, error) = root.resolve(candidate)
            guard error == nil, root.exists(real) else { continue }
            load(real)
            if result.files[real] != nil {
                result.grubEnvironment = real
                break
            }
        }
        let exists: (String) -> Bool = { path in if case .success = root.status(path) { true } else { false } }
        if let updateGrub = ["/usr/sbin/update-grub", "/sbin/update-grub"].first(where: exists) {
            result.generator = [updateGrub]
        } else if let mkconfig = ["/usr/sbin/grub-mkconfig", "/usr/bin/grub-mkconfig"].first(where: exists) {
            result.generator = [mkconfig, "-o", "/boot/grub/grub.cfg"]
        } else if let mkconfig = ["/usr/sbin/grub2-mkconfig", "/usr/bin/grub2-mkconfig"].first(where: exists) {
            result.generator = [mkconfig, "-o", "/boot/grub2/grub.cfg"]
        }
        let scripts = ["/usr/sbin/grub-mkconfig", "/usr/bin/grub-mkconfig", "/usr/sbin/grub2-mkconfig", "/usr/bin/grub2-mkconfig"]
        let texts = scripts.compactMap { (try? root.readFileText($0, limit: .configFile)) ?? nil }
        if texts.isEmpty {
            result.grubReadsDropIns = result.generator?.first?.hasSuffix("update-grub") == true || root.isDirectory(grubDropInDirectory)
        } else {
            result.grubReadsDropIns = texts.contains { $0.contains("/default/grub.d/") }
        }
        return result
    }
}
