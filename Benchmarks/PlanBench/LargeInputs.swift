// Legal but large inputs (issue 12): 100,000 GRUB-style entries, a real 100,000-entry grub.cfg, 100,000 mounts,
// 2,000-deep nested mounts.
// Run: swift run -c release kreboot-plan-bench large [entries|grub|grub-full|mounts|deep|deep-plan]   (target: each under 1 s and 200 MB)
// Peak RSS is the process's: name one input to measure its own peak.
import LinuxSystem
import KexecCore
import RebootPlan
#if canImport(Glibc)
import Glibc
#endif

/// Plans each large input once and prints the planning time, wall clock and CPU (the CPU time of this process,
/// which other work on a busy host does not inflate; building the input is not timed) and the process's peak
/// resident size (which includes the input).
func runLargeInputBenchmarks(only: String? = nil) {
    func peakMiB() -> Int {
        var usage = rusage()
        getrusage(__rusage_who_t(RUSAGE_SELF.rawValue), &usage)
        return usage.ru_maxrss / 1024
    }
    /// Builds the input (not timed), then times `body` on it alone.
    func time<Input>(_ key: String, _ name: String, _ input: () -> Input, _ body: (Input) -> Int) {
        if let only, only != key { return }
        let built = input()
        if getenv("KREBOOT_BENCH_PHASES") != nil { print("input built: peak RSS \(peakMiB()) MiB") }
        let start = monotonicSeconds(), cpuStart = cpuSeconds()
        let count = body(built)
        let seconds = monotonicSeconds() - start, cpu = cpuSeconds() - cpuStart
        print(String(format: "%@: %.3f s (CPU %.3f s) (%d), peak RSS %d MiB", name, seconds, cpu, count, peakMiB()))
    }
    func wideMounts() -> [MountEntry] {
        var mounts = [MountEntry(id: 1, parentID: 0, source: "/dev/sda1", target: "/", fstype: "ext4")]
        for i in 0..<99_999 {
            let parent = i < 1_000 ? 1 : 2 + (i % 1_000)
            let target = parent == 1 ? "/srv/vol\(i)" : mounts[parent - 1].target + "/sub\(i)"
            mounts.append(MountEntry(id: i + 2, parentID: parent, source: "/dev/sd\(i)", target: target, fstype: "ext4"))
        }
        return mounts
    }
    func deepMounts() -> [MountEntry] {
        var mounts = [MountEntry(id: 1, parentID: 0, source: "/dev/sda1", target: "/", fstype: "ext4")]
        var path = ""
        for level in 0..<2_000 {
            path += "/nested"
            mounts.append(MountEntry(id: level + 2, parentID: level + 1, source: "/dev/vd\(level)", target: path, fstype: "ext4"))
        }
        return mounts
    }
    time("entries", "100,000 boot entries, plan", { syntheticSnapshot(entries: 100_000, mounts: 50) }) { snapshot in
        RebootPlanner.plan(snapshot, PlanOptions(entry: "1>99999")).steps.count
    }
    for (key, everyLine) in [("grub", false), ("grub-full", true)] {
        var grubTree: String? = nil
        let name = everyLine ? "100,000-entry grub.cfg with every 10_linux line" : "100,000-entry grub.cfg"
        time(key, "\(name), snapshot read (lexer, parser, menu builder, file probes) + plan", {
            let root = grubRoot(entries: 100_000, everyLine: everyLine)
            grubTree = root
            return root
        }) { root in
            let snapshot = SystemSnapshot.read(root: RootDirectory(root), options: PlanOptions(entry: "1>99998"),
                                               process: ProcessContext(effectiveUID: 0, hasCapSysBoot: true, machineArch: "x86_64"),
                                               sessions: [])
            let plan = RebootPlanner.plan(snapshot, PlanOptions(entry: "1>99998"))
            guard snapshot.bootLoader.entries.count == 100_000, plan.target?.kernel == "/boot/vmlinuz-6.1.0-99998-amd64" else {
                print("\(key): expected 100,000 entries and entry 1>99998, got \(snapshot.bootLoader.entries.count): \(snapshot.bootLoader.problems)")
                exit(1)
            }
            return snapshot.bootLoader.entries.count
        }
        if let grubTree { removeTree(grubTree) }
    }
    time("mounts", "100,000 mounts, unmount order", wideMounts) { mounts in
        MountClassifier.mountsToUnmount(mounts).count
    }
    time("deep", "2,000-deep nested mounts, unmount order", deepMounts) { mounts in
        MountClassifier.mountsToUnmount(mounts).count
    }
    time("deep-plan", "2,000-deep nested mounts, whole plan", {
        var snapshot = syntheticSnapshot(entries: 10, mounts: 2)
        snapshot.mounts = deepMounts()
        return snapshot
    }) { snapshot in
        RebootPlanner.plan(snapshot, PlanOptions(entry: "1>5")).steps.count
    }
}

/// A root directory holding /boot/grub/grub.cfg as grub-mkconfig's 10_linux writes it for `entries` entries
/// on a system with a separate /boot (its mount table in /proc/self/mountinfo): the top entry, then a submenu
/// "Advanced options" with one entry per kernel (menuentry blocks with a class, an id, `load_video`, linux and
/// initrd lines). The insmod/search/echo lines and the xen test, which GRUB runs and the planner skips or
/// cannot resolve (the search's UUID is on no disk here), are left out unless `everyLine` (23 MB without them,
/// 62 MB with them: 27 words an entry with two `--class` options, under the parser's cap of 3 million words).
/// Returns the directory.
func grubRoot(entries: Int, everyLine: Bool = false) -> String {
    var template = Array("/tmp/kreboot-bench-XXXXXX".utf8CString)
    guard let made = mkdtemp(&template) else { fatalError("mkdtemp failed") }
    let root = String(cString: made)
    mkdir(root + "/boot", 0o755)
    mkdir(root + "/boot/grub", 0o755)
    // The running system's mount table, as planning for it reads it: / and a separate /boot.
    mkdir(root + "/proc", 0o755)
    mkdir(root + "/proc/self", 0o755)
    let mountinfo = "22 1 254:1 / / rw,relatime - ext4 /dev/sda2 rw\n"
        + "23 22 254:0 / /boot rw,relatime - ext4 /dev/sda1 rw\n"
        + "24 22 0:21 / /proc rw,nosuid,nodev,noexec,relatime - proc proc rw\n"
    let mountFD = open(root + "/proc/self/mountinfo", O_WRONLY | O_CREAT | O_EXCL, 0o644)
    _ = Array(mountinfo.utf8).withUnsafeBytes { write(mountFD, $0.baseAddress, $0.count) }
    close(mountFD)
    let uuid = "0f3a6b5e-1c2d-4e5f-8a9b-0c1d2e3f4a5b"
    var text = """
    set default="0"
    if [ -s $prefix/grubenv ]; then
      load_env
    fi
    function load_video {
      insmod all_video
    }
    menuentry 'Debian GNU/Linux' --class debian --class gnu-linux --class os $menuentry_id_option 'gnulinux-simple-\(uuid)' {
    \tload_video
    \tlinux\t/vmlinuz-6.1.0-0-amd64 root=UUID=\(uuid) ro quiet
    \tinitrd\t/initrd.img-6.1.0-0-amd64
    }
    submenu 'Advanced options for Debian GNU/Linux' $menuentry_id_option 'gnulinux-advanced-\(uuid)' {

    """
    for i in 0..<(entries - 1) {
        let release = "6.1.0-\(i)-amd64"
        guard everyLine else {
            text += """
            \tmenuentry 'Debian, Linux \(release)' --class debian $menuentry_id_option 'gnulinux-\(release)-advanced' {
            \t\tload_video
            \t\tlinux\t/vmlinuz-\(release) root=/dev/sda2 ro quiet
            \t\tinitrd\t/initrd.img-\(release)
            \t}

            """
            continue
        }
        text += """
        \tmenuentry 'Debian GNU/Linux, with Linux \(release)' --class debian --class gnu-linux $menuentry_id_option 'gnulinux-\(release)-advanced-\(uuid)' {
        \t\tload_video
        \t\tinsmod gzio
        \t\tif [ x$grub_platform = xxen ]; then insmod xzio; insmod lzopio; fi
        \t\tinsmod part_gpt
        \t\tinsmod ext2
        \t\tsearch --no-floppy --fs-uuid --set=root \(uuid)
        \t\techo\t'Loading Linux \(release) ...'
        \t\tlinux\t/vmlinuz-\(release) root=UUID=\(uuid) ro  quiet
        \t\techo\t'Loading initial ramdisk ...'
        \t\tinitrd\t/initrd.img-\(release)
        \t}

        """
    }
    text += "}\n"
    let fd = open(root + "/boot/grub/grub.cfg", O_WRONLY | O_CREAT | O_EXCL, 0o644)
    let bytes = Array(text.utf8)
    _ = bytes.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
    close(fd)
    print("grub.cfg: \(bytes.count) bytes, \(entries) entries")
    return root
}

/// Removes the directory `grubRoot` made.
func removeTree(_ root: String) {
    unlink(root + "/boot/grub/grub.cfg")
    unlink(root + "/proc/self/mountinfo")
    rmdir(root + "/proc/self")
    rmdir(root + "/proc")
    rmdir(root + "/boot/grub")
    rmdir(root + "/boot")
    rmdir(root)
}

/// CPU seconds (user + system) this process has used.
func cpuSeconds() -> Double {
    var ts = timespec()
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts)
    return Double(ts.tv_sec) + Double(ts.tv_nsec) / 1e9
}
