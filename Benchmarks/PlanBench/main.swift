// Planner benchmark (not a timed test): plans a system with 200 boot entries and 500 mounts
// repeatedly and prints the median and p95 time of one plan. Target: under 50 ms.
// Run: swift run -c release kreboot-plan-bench [iterations]
import LinuxSystem
import RebootPlan
import KexecCore
import Foundation
#if canImport(Glibc)
import Glibc
#endif

func monotonicSeconds() -> Double {
    var ts = timespec()
    clock_gettime(CLOCK_MONOTONIC, &ts)
    return Double(ts.tv_sec) + Double(ts.tv_nsec) / 1e9
}

func syntheticSnapshot(entries entryCount: Int, mounts mountCount: Int) -> SystemSnapshot {
    var entries: [BootEntry] = []
    var files: [String: FileFacts] = [:]
    // Sized up front, as SnapshotReader does: growing by doubling would hold the old and the new table at once.
    entries.reserveCapacity(entryCount)
    files.reserveCapacity(2 * entryCount)
    for i in 0..<entryCount {
        let release = "6.1.0-\(i)-amd64"
        let kernel = "/boot/vmlinuz-\(release)"
        let initrd = "/boot/initrd.img-\(release)"
        entries.append(BootEntry(id: "gnulinux-\(release)", title: "Debian GNU/Linux, with Linux \(release)", kernel: kernel,
                                 initrds: [initrd], options: "root=UUID=1234 ro quiet", source: .grub,
                                 file: "/boot/grub/grub.cfg", menuPath: ["Advanced options", "Linux \(release)"], index: "1>\(i)"))
        files[kernel] = FileFacts(path: kernel, exists: true, readable: true, isRegularFile: true, size: 8 << 20,
                                  image: KernelImageInfo(format: .bzImage, arch: "x86_64", release: release))
        files[initrd] = FileFacts(path: initrd, exists: true, readable: true, isRegularFile: true, size: 30 << 20)
    }
    var mounts = [MountEntry(id: 1, parentID: 0, source: "/dev/sda1", target: "/", fstype: "ext4")]
    for i in 0..<(mountCount - 1) {
        let parent = i < 50 ? 1 : 2 + (i % 50)
        let target = parent == 1 ? "/srv/vol\(i)" : mounts[parent - 1].target + "/sub\(i)"
        let kind = i % 5
        mounts.append(MountEntry(id: i + 2, parentID: parent, source: kind == 0 ? "tmpfs" : "/dev/sd\(i)",
                                 target: target, fstype: kind == 0 ? "tmpfs" : "ext4"))
    }
    return SystemSnapshot(
        process: ProcessContext(effectiveUID: 0, hasCapSysBoot: true, machineArch: "x86_64"),
        mounts: mounts, commandLine: "BOOT_IMAGE=/boot/vmlinuz root=UUID=1234 ro quiet",
        kernel: KernelState(kexecLoaded: false, kexecLoadDisabled: false, runningRelease: "6.1.0-0-amd64"),
        bootLoader: BootLoaderDiscovery(entries: entries, defaultIndex: entryCount - 1, defaultRule: "synthetic", kind: .grub),
        files: files, sessions: [])
}

if CommandLine.arguments.dropFirst().first == "large" {
    runLargeInputBenchmarks(only: CommandLine.arguments.dropFirst(2).first)
    exit(0)
}
let iterations = CommandLine.arguments.count > 1 ? Int(CommandLine.arguments[1]) ?? 200 : 200
let snapshot = syntheticSnapshot(entries: 200, mounts: 500)
var times: [Double] = []
var steps = 0
for _ in 0..<iterations {
    let start = monotonicSeconds()
    let plan = RebootPlanner.plan(snapshot, PlanOptions(entry: "1>150"))
    times.append(monotonicSeconds() - start)
    steps = plan.steps.count
}
times.sort()
let median = times[times.count / 2] * 1000
let p95 = times[min(times.count - 1, times.count * 95 / 100)] * 1000
print("plan: 200 entries, 500 mounts, \(steps) steps, \(iterations) runs")
print(String(format: "median %.3f ms, p95 %.3f ms (target < 50 ms)", median, p95))
