import KexecCore
import LinuxSystem
/// The kernel and initrd symlinks distributions keep pointing at the newest kernel: Debian's /vmlinuz and
/// /initrd.img (and /boot/vmlinuz, /boot/initrd.img), SUSE's /boot/vmlinuz and /boot/initrd.
enum BootSymlinkReader {
    /// Kernel link candidates, each with its initrd link candidates, in order of preference.
    static let candidates: [(kernel: String, initrds: [String])] = [
        ("/boot/vmlinuz", ["/boot/initrd.img", "/boot/initrd"]),
        ("/vmlinuz", ["/initrd.img", "/initrd"]),
    ]

    /// The symlink entry (id `vmlinuz`, options nil), or nil when no kernel link exists.
    /// A link pointing at a missing file is a problem, not an entry.
    static func read(root: RootDirectory, problems: inout [String]) -> BootEntry? {
        for candidate in candidates {
            let isLink = root.readLink(candidate.kernel) != nil
            guard isLink || root.isRegularFileNoFollow(candidate.kernel) else { continue }
            let kernel = root.resolveSymlinks(candidate.kernel)
            guard root.exists(kernel) else {
                problems.append("\(candidate.kernel): symlink to missing \(kernel)")
                continue
            }
            var initrds: [String] = []
            for link in candidate.initrds where root.readLink(link) != nil || root.isRegularFileNoFollow(link) {
                let target = root.resolveSymlinks(link)
                if root.exists(target) {
                    initrds = [target]
                } else {
                    problems.append("\(link): symlink to missing \(target)")
                }
                break
            }
            let title = isLink ? "\(candidate.kernel) → \(kernel)" : candidate.kernel
            return BootEntry(id: "vmlinuz", title: title, kernel: kernel, initrds: initrds, options: nil,
                             source: .symlink, file: candidate.kernel)
        }
        return nil
    }
}
