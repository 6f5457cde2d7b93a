import RebootPlan

/// How to build kreboot's capture initrd for one release: a configuration directory for mkinitramfs that is
/// the production one (links to /etc/initramfs-tools' files, hooks and scripts) plus a last conf.d file that
/// sets `MODULES=dep`, and the mkinitramfs command that writes the initrd beside its final name.
public struct CaptureInitrdBuild: Sendable, Equatable {
    /// A link in the configuration directory: relative name → absolute target.
    public struct Link: Sendable, Equatable {
        public var name: String
        public var target: String
    }

    /// A file written in the configuration directory: relative name → text.
    public struct File: Sendable, Equatable {
        public var name: String
        public var text: String
    }

    /// The conf.d file kreboot adds (sourced last).
    public static let overrideFile = "conf.d/zzz-kreboot-capture"

    /// The kernel release (`uname -r`).
    public var release: String
    /// The production initrd the capture initrd replaces (target path).
    public var source: String
    /// The capture initrd to write (target path).
    public var output: String
    /// Its stamp (target path).
    public var stampPath: String
    /// The configuration directory given to mkinitramfs -d (target path; made anew for each build).
    public var configDirectory: String
    /// Links to the production configuration.
    public var links: [Link]
    /// Files written there (the MODULES override, the modules list with the device handlers).
    public var files: [File]
    /// The modules policy it builds with.
    public var modules: String
    /// The mkinitramfs command (writes `output` + ".new").
    public var argv: [String]

    /// Where mkinitramfs writes before the rename.
    public var temporaryOutput: String { output + ".new" }
}
