// Legal but large inputs (issue 12): 100,000 GRUB-style entries, 100,000 mounts, 2,000-deep nested mounts.
// Run: swift run -c release kreboot-plan-bench large [entries|mounts|deep|deep-plan]   (target: each under 1 s and 200 MB)
// Peak RSS is the process's: name one input to measure its own peak.
import LinuxSystem
import KexecCore
import RebootPlan
#if canImport(Glibc)
import Glibc
#endif

/// Plans each large input once and prints the planning time (building the input is not timed) and the
/// process's peak resident size (which includes the input).
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
        let start = monotonicSeconds()
        let count = body(built)
        let seconds = monotonicSeconds() - start
        print(String(format: "%@: %.3f s (%d), peak RSS %d MiB", name, seconds, count, peakMiB()))
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
