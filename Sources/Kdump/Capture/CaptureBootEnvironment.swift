import KexecCore
import LinuxSystem
import FoundationEssentials
import SystemPackage

#if canImport(Glibc)
import Glibc
#endif

/// What `kreboot save-dump` does for itself when it is the capture kernel's `init=` (PID 1, no
/// initramfs, no systemd): mount /proc, /dev, /sys and a tmpfs on /tmp (makedumpfile needs a writable
/// /tmp), mount the save directory's device if asked, make the save directory's file system
/// writable, and at the end sync, unmount, remount / read-only and reboot(2) with RB_AUTOBOOT.
/// Nothing here runs unless the process is PID 1.
public struct CaptureBootEnvironment {
    /// Whether this process is init (PID 1).
    public static var isInit: Bool { getpid() == 1 }

    /// Whether a kernel command line is a kdump capture kernel's: kexec adds `elfcorehdr=` to it.
    public static func isCaptureKernel(commandLine: String) -> Bool {
        commandLine.split(whereSeparator: { $0 == " " || $0 == "\n" || $0 == "\t" }).contains { $0.hasPrefix("elfcorehdr=") }
    }

    /// Where a device-tree kernel (arm64) is told the capture's ELF core header: kexec puts it in /chosen, not on the
    /// command line. The first needs sysfs mounted, the second (procfs' link to it) too.
    static let deviceTreeElfcorehdr = ["/sys/firmware/devicetree/base/chosen/linux,elfcorehdr",
                                       "/proc/device-tree/chosen/linux,elfcorehdr"]

    /// Whether this boot is a capture kernel (reads /proc/cmdline through the gateway, capped, and looks for the
    /// device tree's linux,elfcorehdr; mount /proc and /sys first).
    public static var isCaptureBoot: Bool { isCaptureBoot(root: RootDirectory()) }

    /// Whether the system under `root` is booted as a capture kernel (tests pass a fixture tree): elfcorehdr= on
    /// /proc/cmdline (x86_64 and every kexec_load of kexec-tools but arm64's), or /chosen/linux,elfcorehdr in the
    /// device tree (arm64).
    static func isCaptureBoot(root: RootDirectory) -> Bool {
        if deviceTreeElfcorehdr.contains(where: root.exists) { return true }
        guard let text = (try? root.readFileText("/proc/cmdline", limit: .kernelFile)) ?? nil else { return false }
        return isCaptureKernel(commandLine: text)
    }

    /// Mount points this run mounted (pseudo file systems, /tmp, the save device).
    public private(set) var mounted: [String] = []
    /// The real file systems among them (the save device), unmounted at the end so they are clean.
    public private(set) var deviceMounts: [String] = []
    private let log: @Sendable (String) -> Void

    /// An environment that reports what it does through `log` (stderr, the console).
    public init(log: @escaping @Sendable (String) -> Void) {
        self.log = log
    }

    /// Mounts the pseudo file systems a bare boot lacks and a tmpfs on /tmp.
    public mutating func mountBasics() {
        if access("/proc/self", F_OK) != 0 { mountOne("proc", "/proc", "proc", 0) }
        // A root with static /dev nodes (Debian's) still needs devtmpfs for the disks: mount it unless
        // /dev is already a mount of its own (a different device from /).
        if !Self.isSeparateMount("/dev") { mountOne("devtmpfs", "/dev", "devtmpfs", 0) }
        if access("/sys/kernel", F_OK) != 0 { mountOne("sysfs", "/sys", "sysfs", 0) }
        mountOne("tmpfs", "/tmp", "tmpfs", 0, data: "mode=1777,size=64m")
    }

    /// Whether `path` is on another file system than `/` (a mount point of its own).
    static func isSeparateMount(_ path: String) -> Bool {
        var root = stat(), dir = stat()
        guard stat("/", &root) == 0, stat(path, &dir) == 0 else { return false }
        return root.st_dev != dir.st_dev
    }

    /// Mounts `device` on `mountPoint` read-write, trying ext4, xfs, btrfs and vfat in turn.
    public mutating func mountDevice(_ device: String, on mountPoint: String) throws(KexecError) {
        guard access(device, F_OK) == 0 else {
            let err = Errno(rawValue: errno)
            throw KexecError(.unavailable, operation: "save-dump", path: device, errno: err,
                             "\(device): no such device node (is devtmpfs mounted on /dev?)")
        }
        _ = mkdir(mountPoint, 0o755)
        var last = Errno(rawValue: 0)
        for type in ["ext4", "xfs", "btrfs", "vfat"] {
            if Glibc.mount(device, mountPoint, type, 0, nil) == 0 {
                mounted.append(mountPoint)
                deviceMounts.append(mountPoint)
                log("mounted \(device) (\(type)) on \(mountPoint)")
                return
            }
            last = Errno(rawValue: errno)
        }
        throw KexecError(.unavailable, operation: "save-dump", path: device, errno: last,
                         "\(device): cannot mount on \(mountPoint) as ext4, xfs, btrfs or vfat: \(last)")
    }

    /// If `path` is on a read-only file system (the root the kernel mounted `ro`), remounts / read-write.
    public func makeWritable(_ path: String) throws(KexecError) {
        var probe = path
        while access(probe, F_OK) != 0, probe != "/" { probe = DumpFiles.parent(of: probe) }
        guard access(probe, W_OK) != 0, errno == EROFS else { return }
        guard Glibc.mount("", "/", "", UInt(MS_REMOUNT), nil) == 0 else {
            let err = Errno(rawValue: errno)
            throw KexecError(.unavailable, operation: "save-dump", path: "/", errno: err, "/: cannot remount read-write: \(err)")
        }
        log("remounted / read-write")
    }

    /// Syncs, unmounts what this run mounted, remounts / read-only and reboots. Only as PID 1.
    public func finishAndReboot() -> Never {
        sync()
        for point in deviceMounts.reversed() where umount(point) != 0 {
            log("\(point): unmount failed: \(Errno(rawValue: errno)); syncing only")
        }
        if Glibc.mount("", "/", "", UInt(MS_REMOUNT | MS_RDONLY), nil) != 0 {
            log("/: remount read-only failed: \(Errno(rawValue: errno))")
        }
        sync()
        log("rebooting")
        if case .failure(let errno) = LinuxSyscalls.rebootRestart() { log("reboot failed: \(errno)") }
        // reboot(2) failed: init must not exit (the kernel would panic), so wait forever.
        while true { pause() }
    }

    private mutating func mountOne(_ source: String, _ target: String, _ type: String, _ flags: UInt, data: String? = nil) {
        _ = mkdir(target, 0o755)
        let rc = data.map { d in d.withCString { Glibc.mount(source, target, type, flags, $0) } }
            ?? Glibc.mount(source, target, type, flags, nil)
        if rc == 0 {
            mounted.append(target)
        } else {
            log("\(target): mounting \(type) failed: \(Errno(rawValue: errno))")
        }
    }
}
