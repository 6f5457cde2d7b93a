import LinuxSystem
import RebootPlan

/// Decides whether `kreboot kdump start` builds a capture initrd of its own, and how. Pure.
///
/// The production initramfs of an initramfs-tools system is built with `MODULES=most` (every storage and
/// file-system driver, 30–40 MB on Debian): unpacked in the crashkernel= area it needs a larger reservation
/// and a longer capture boot. kreboot then builds the same recipe with `MODULES=dep` (only the drivers this
/// machine's root needs; the hooks for LVM, LUKS and the rest unchanged), as kdump-tools does for its own.
/// It is kept when the production one is already small (`MODULES=dep`, `list`, `netboot`), on dracut
/// systems (their host-only initramfs is already this), and when the kdump configuration names the
/// capture kernel's files (KDUMP_KERNEL, KDUMP_INITRD).
public enum CaptureInitrdRecipe {
    /// What to do.
    public enum Decision: Sendable, Equatable {
        /// Build it.
        case build(CaptureInitrdBuild)
        /// The capture kernel already uses a fresh one.
        case current(CaptureInitrd)
        /// Keep the production initrd, for this reason.
        case keepProduction(String)
    }

    /// The decision for a capture kernel with `initrds` (the planner's choice) of `release`.
    /// `configNamesFiles`: the kdump configuration names the kernel or initrd; `existing`: what was built before.
    public static func decide(inputs: CaptureInitrdInputs, release: String?, initrds: [String],
                              configNamesFiles: Bool, existing: CaptureInitrd?) -> Decision {
        if configNamesFiles { return .keepProduction("the kdump configuration names the capture kernel's files") }
        guard let release else { return .keepProduction("the running kernel's release is unknown") }
        if let existing, existing.isFresh, initrds == [existing.path] { return .current(existing) }
        guard initrds.count == 1 else {
            return .keepProduction(initrds.isEmpty ? "the capture kernel boots without an initrd" : "the entry has several initrds")
        }
        guard let mkinitramfs = inputs.mkinitramfs, let conf = inputs.initramfsConf else {
            return .keepProduction("no initramfs-tools (mkinitramfs, \(CaptureInitrdInputs.configDirectory)/initramfs.conf): "
                + "the production initrd is used as it is")
        }
        let text = ([conf] + inputs.confD.map(\.text)).joined(separator: "\n")
        let policy = ShellAssignments(parsing: text).values["MODULES"] ?? "most"
        guard policy == "most" else {
            return .keepProduction("the production initrd is already built with MODULES=\(policy)")
        }
        let dir = CaptureInitrd.directory + "/initramfs-tools"
        let etc = CaptureInitrdInputs.configDirectory
        var links = [CaptureInitrdBuild.Link(name: "initramfs.conf", target: "\(etc)/initramfs.conf")]
        links += inputs.confD.map { .init(name: "conf.d/\($0.name)", target: "\(etc)/conf.d/\($0.name)") }
        let writesModules = inputs.modulesFile != nil || !inputs.deviceHandlers.isEmpty
        links += inputs.otherEntries.filter { !(writesModules && $0 == "modules") }
            .map { .init(name: $0, target: "\(etc)/\($0)") }
        var files = [CaptureInitrdBuild.File(name: CaptureInitrdBuild.overrideFile,
                                             text: "# kreboot's capture initrd: only the drivers this machine needs\nMODULES=dep\n")]
        if writesModules {
            var modules = inputs.modulesFile ?? ""
            if !modules.isEmpty && !modules.hasSuffix("\n") { modules += "\n" }
            let missing = inputs.deviceHandlers.filter { handler in
                !modules.split(separator: "\n").contains { $0.trimmingWhitespace() == handler }
            }
            modules += missing.map { $0 + "\n" }.joined()
            files.append(.init(name: "modules", text: modules))
        }
        let output = CaptureInitrd.path(release: release)
        return .build(CaptureInitrdBuild(release: release, source: initrds[0], output: output,
                                         stampPath: CaptureInitrd.stampPath(release: release), configDirectory: dir,
                                         links: links, files: files, modules: "dep",
                                         argv: [mkinitramfs, "-d", dir, "-o", output + ".new", release]))
    }
}
